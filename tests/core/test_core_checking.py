"""Shared live helpers: presence, the app container, tag coverage per resource kind, unreadable sections."""

from __future__ import annotations

from types import SimpleNamespace as NS
from typing import Any

import pytest

from envmatrix.aws import checking
from envmatrix.aws.checking import app_container, container, is_sidecar, present, service, tagged_resources
from envmatrix.aws.ecs import Container, EcsInventory, Service, TaskDefinition
from envmatrix.aws.snapshot import Snapshot
from envmatrix.errors import InventoryUnavailable
from envmatrix.verdict import CheckFailed, compare

NAMES = {"cluster": "prod-cluster", "api_service": "prod-api", "worker_service": "prod-worker",
         "api_family": "prod-api-td", "worker_family": "prod-worker-td", "cache": "prod-redis", "vpc": "prod-vpc"}


class FakeEnv:
    """What the helpers use of an Environment: its snapshot and expect()."""

    def __init__(self, snapshot: Any) -> None:
        self.live = snapshot
        self.seen: list[tuple[str, str, Any, Any]] = []

    def expect(self, resource: str, setting: str, expected: Any, actual: Any, **kwargs: Any) -> None:
        self.seen.append((resource, setting, expected, actual))
        evidence = compare(env="production", check_id="CHK", layer="live", resource=resource, setting=setting,
                           expected=expected, actual=actual, **kwargs)
        if not evidence.passed:
            raise CheckFailed(evidence.message, evidence)

    def require(self, resource: str, setting: str, expected: Any, actual: Any, *, holds: bool, **kwargs: Any) -> None:
        self.expect(resource, setting, expected, actual, **kwargs)


def box(name: str, image: str = "", firelens: bool = False) -> Container:
    return Container(name=name, image=image, firelens=firelens, environment={}, secrets={}, log_driver=None,
                     log_options={})


def definition(family: str, *containers: Container) -> TaskDefinition:
    return TaskDefinition(family=family, revision=3, arn=f"arn:td/{family}:3", cpu="256", memory="512",
                          containers=list(containers), tags={"kind": "td"})


def svc(name: str) -> Service:
    return Service(name=name, arn=f"arn:svc/{name}", status="ACTIVE", desired_count=1, task_definition="x",
                   tags={"kind": "svc"})


def snap(names: dict[str, str] | None = None, **sections: Any) -> Snapshot:
    return Snapshot.model_construct(environment="production", names=names or NAMES,
                                    unavailable=sections.pop("unavailable", {}), **{
                                        name: sections.get(name) for name in (
                                            "rds", "cache", "ecs", "logs", "secrets", "network", "alb", "waf",
                                            "buckets", "alarms")})


def ecs_with(api: TaskDefinition | None, *, service_present: bool = True) -> EcsInventory:
    return EcsInventory(cluster=None, services={"api": svc("prod-api") if service_present else None, "worker": None},
                        task_definitions={"api": api, "worker": None})


def test_present_returns_the_resource() -> None:
    env = FakeEnv(snap())
    assert present(env, "thing", "rds:db") == "thing"  # type: ignore[arg-type]
    assert env.seen == [("rds:db", "exists", "present", "present")]


def test_missing_resource_never_passes() -> None:
    with pytest.raises(CheckFailed) as caught:
        present(FakeEnv(snap()), None, "rds:db")  # type: ignore[arg-type]
    assert str(caught.value) == "production CHK rds:db.exists: expected present, got missing"


def test_service_and_task_definition_labels() -> None:
    td = definition("prod-api-td", box("prod-api"))
    env = FakeEnv(snap(ecs=ecs_with(td)))
    label, found = service(env, "api")  # type: ignore[arg-type]
    assert (label, found.name) == ("ecs-service:prod-cluster/prod-api", "prod-api")
    assert checking.task_definition(env, "api") == ("ecs-task-definition:prod-api-td", td)  # type: ignore[arg-type]


def test_task_definition_without_service_names_the_service() -> None:
    env = FakeEnv(snap(ecs=ecs_with(definition("prod-api-td", box("prod-api")), service_present=False)))
    with pytest.raises(CheckFailed, match=r"ecs-service:prod-cluster/prod-api\.exists: expected present, got missing"):
        checking.task_definition(env, "api")  # type: ignore[arg-type]


def test_missing_task_definition_fails() -> None:
    env = FakeEnv(snap(ecs=ecs_with(None)))
    with pytest.raises(CheckFailed, match=r"ecs-task-definition:prod-api-td\.exists: expected present, got missing"):
        checking.task_definition(env, "api")  # type: ignore[arg-type]


def test_unreadable_ecs_fails_with_its_reason() -> None:
    env = FakeEnv(snap(unavailable={"ecs": ("ecs:prod-cluster", "AccessDenied")}))
    with pytest.raises(InventoryUnavailable, match="AccessDenied"):
        service(env, "api")  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "image", "firelens"), [
    ("datadog-agent", "", False), ("app", "public.ecr.aws/datadog/agent:7", False), ("dd-agent", "", False),
    ("log_router", "", False), ("log-router", "", False), ("router", "", True), ("firelens", "", False),
    ("fb", "fluent-bit:2", False), ("fb", "fluentbit", False), ("fluentd", "", False), ("Envoy", "", False),
    ("mesh", "appmesh-envoy", False), ("aws-otel-collector", "", False), ("otel-collector", "", False),
    ("xray", "", False), ("X-Ray-Daemon", "", False), ("cloudwatch-agent", "", False),
])
def test_sidecars(name: str, image: str, firelens: bool) -> None:
    assert is_sidecar(box(name, image, firelens)) is True


def test_app_is_no_sidecar() -> None:
    assert is_sidecar(box("api", "123.dkr.ecr.us-east-1.amazonaws.com/taskapp:1.4")) is False


def test_app_container_configured_name_wins() -> None:
    app, other = box("web"), box("prod-api")
    assert app_container([other, app], "web", ("prod-api",)) is app
    assert app_container([other], "web", ("prod-api",)) == "no container named web among ['prod-api']"


def test_app_container_likely_names_in_order_any_case() -> None:
    first, second, third = box("xray"), box("API"), box("Prod-Api")
    assert app_container([first, second, third], "", ("prod-api", "api")) is third
    assert app_container([first, second], "", ("prod-api", "api")) is second
    twins = [box("api"), box("API")]
    assert app_container(twins, "", ("api",)) is twins[0]


def test_app_container_only_non_sidecar() -> None:
    app = box("taskapp")
    assert app_container([box("datadog-agent"), app, box("log_router")], "", ("prod-api",)) is app
    assert app_container([box("a"), box("b")], "", ("prod-api",)) == (
        "cannot tell the application container among ['a', 'b']")
    assert app_container([box("envoy")], "", ()) == "cannot tell the application container among ['envoy']"


def test_container_found_and_not_found() -> None:
    app = box("taskapp")
    env = FakeEnv(snap(ecs=ecs_with(definition("prod-api-td", box("datadog-agent"), app))))
    assert container(env, "api") == ("ecs-task-definition:prod-api-td", app)  # type: ignore[arg-type]
    env = FakeEnv(snap(ecs=ecs_with(definition("prod-api-td", box("a"), box("b")))))
    with pytest.raises(CheckFailed) as caught:
        container(env, "api")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "production CHK ecs-task-definition:prod-api-td/container.name: expected the application container "
        "(named prod-api or the only non-sidecar), got cannot tell the application container among ['a', 'b']; "
        "set names.api_container")


def test_container_configured_name() -> None:
    web = box("web")
    names = {**NAMES, "api_container": "web"}
    env = FakeEnv(snap(names, ecs=ecs_with(definition("prod-api-td", box("prod-api"), web))))
    assert container(env, "api")[1] is web  # type: ignore[arg-type]
    env = FakeEnv(snap(names, ecs=ecs_with(definition("prod-api-td", box("prod-api")))))
    with pytest.raises(CheckFailed, match=r"expected the application container \(web\), got no container named web"):
        container(env, "api")  # type: ignore[arg-type]


def test_container_by_family_name() -> None:
    app = box("prod-api-td")
    env = FakeEnv(snap(ecs=ecs_with(definition("prod-api-td", box("a"), app))))
    assert container(env, "api")[1] is app  # type: ignore[arg-type]


def tags(kind: str) -> dict[str, str]:
    return {"Kind": kind}


def full_snapshot() -> Snapshot:
    """One resource of every covered kind, each tagged with its own kind."""
    def item(kind: str, **fields: Any) -> NS:
        return NS(tags=tags(kind), **fields)

    td = definition("prod-api-td", box("app"))
    return snap(
        rds=NS(primary=item("rds", identifier="prod-db"), replicas=[item("replica", identifier="prod-db-r1")]),
        cache=NS(group=item("cache")),
        ecs=NS(cluster=item("cluster"), services={"api": item("service-api"), "worker": None},
               task_definitions={"api": td, "worker": item("td-worker")}),
        logs=NS(groups={"api": item("log", name="/ecs/prod-api"), "worker": None}),
        secrets=NS(secrets={"db": item("secret", name="prod/db")}),
        network=NS(vpc=item("vpc"), subnets=[item("subnet", id="subnet-1"), item("subnet2", id="subnet-2")],
                   security_groups={"alb": item("sg", name="prod-alb-sg"), "cache": None}),
        alb=NS(load_balancer=item("alb", name="prod-alb")),
        waf=NS(web_acl=item("waf", name="prod-acl")),
        buckets=NS(backup=item("backup", name="prod-backups"), log_archive=item("archive", name="prod-logs")),
        alarms=NS(alarms=[item("alarm", name="prod-cpu")]),
    )


def test_tag_coverage_per_resource_kind() -> None:
    assert tagged_resources(full_snapshot()) == [
        ("rds:prod-db", tags("rds")),
        ("rds:prod-db-r1", tags("replica")),
        ("elasticache:prod-redis", tags("cache")),
        ("ecs-cluster:prod-cluster", tags("cluster")),
        ("ecs-service:prod-api", tags("service-api")),
        ("ecs-task-definition:prod-api-td", {"kind": "td"}),
        ("ecs-task-definition:prod-worker-td", tags("td-worker")),
        ("log-group:/ecs/prod-api", tags("log")),
        ("secret:prod/db", tags("secret")),
        ("vpc:prod-vpc", tags("vpc")),
        ("subnet:subnet-1", tags("subnet")),
        ("subnet:subnet-2", tags("subnet2")),
        ("security-group:prod-alb-sg", tags("sg")),
        ("load-balancer:prod-alb", tags("alb")),
        ("waf-web-acl:prod-acl", tags("waf")),
        ("s3:prod-backups", tags("backup")),
        ("s3:prod-logs", tags("archive")),
        ("alarm:prod-cpu", tags("alarm")),
    ]


def test_absent_sections_and_resources_add_nothing() -> None:
    assert tagged_resources(snap()) == []
    sparse = snap(
        rds=NS(primary=None, replicas=[]), cache=NS(group=None, serverless=None),
        ecs=NS(cluster=None, services={}, task_definitions={}),
        network=NS(vpc=None, subnets=[], security_groups={}), alb=NS(load_balancer=None), waf=NS(web_acl=None),
        buckets=NS(backup=None, log_archive=None),
    )
    assert tagged_resources(sparse) == []


@pytest.mark.parametrize("section", ["rds", "cache", "ecs", "logs", "secrets", "network", "alb", "waf", "buckets",
                                     "alarms"])
def test_unreadable_section_fails_the_tag_check(section: str) -> None:
    snapshot = full_snapshot()
    snapshot = snapshot.model_copy(update={"unavailable": {section: (f"{section}:x", f"{section} AccessDenied")}})
    with pytest.raises(InventoryUnavailable, match=f"{section} AccessDenied"):
        tagged_resources(snapshot)


def test_unreadable_section_outside_tag_rules_is_ignored() -> None:
    snapshot = full_snapshot().model_copy(update={"unavailable": {"scaling": ("scaling:x", "AccessDenied")}})
    assert len(tagged_resources(snapshot)) == 18
