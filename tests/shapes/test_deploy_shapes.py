"""Deployment evidence as real AWS answers it: CodeDeploy groups and configs, ECS circuit breakers, ECR images."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from envmatrix.aws import codedeploy, ecr
from envmatrix.aws.codedeploy import CodeDeployInventory
from envmatrix.aws.ecr import EcrInventory
from envmatrix.aws.ecs import EcsInventory
from envmatrix.names import names_for
from tests.shapes.harness import ACCOUNT, REGION, StubbedClients, judge, snapshot_of, target
from tests.shapes.test_ecs_shapes import World, service, task_definition, worker_as_documented

DEPLOYMENT = "checks/live/test_deployment.py"
ENV = "production"
NAMES = names_for(ENV)
WHEN = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
APP, GROUP = NAMES.codedeploy_application, NAMES.api_deployment_group
CANARY_15 = "CodeDeployDefault.ECSCanary10Percent15Minutes"


# --- CodeDeploy ----------------------------------------------------------------------------------------------
def group_info(*, config: str = CANARY_15, events: tuple[str, ...] = ("DEPLOYMENT_FAILURE",
               "DEPLOYMENT_STOP_ON_ALARM"), alarms: tuple[str, ...] = ("production-taskmanager-alb-5xx",),
               name: str = GROUP, service_name: str = "api") -> dict[str, Any]:
    """A GetDeploymentGroup answer for an ECS blue/green group (the CodeDeploy API reference's shape)."""
    return {"deploymentGroupInfo": {
        "applicationName": APP, "deploymentGroupId": "6d1b2f0e-8c1a-4d7e-9a3c-2f3e4d5c6b7a",
        "deploymentGroupName": name, "deploymentConfigName": config,
        "serviceRoleArn": f"arn:aws:iam::{ACCOUNT}:role/codedeploy-ecs", "computePlatform": "ECS",
        "alarmConfiguration": {"enabled": bool(alarms), "ignorePollAlarmFailure": False,
                               "alarms": [{"name": alarm} for alarm in alarms]},
        "autoRollbackConfiguration": {"enabled": bool(events), "events": list(events)},
        "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        "blueGreenDeploymentConfiguration": {
            "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 60},
            "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT", "waitTimeInMinutes": 0}},
        "loadBalancerInfo": {"targetGroupPairInfoList": [{
            "targetGroups": [{"name": "production-api-blue"}, {"name": "production-api-green"}],
            "prodTrafficRoute": {"listenerArns": [
                f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/production-taskmanager-alb/1/2"]}}]},
        "ecsServices": [{"serviceName": service_name, "clusterName": NAMES.cluster}],
        "lastSuccessfulDeployment": {"deploymentId": "d-ABCDEF123", "status": "Succeeded", "endTime": WHEN},
        "terminationHookEnabled": False}}


def group_inventory(stub: Any = None, **changes: Any) -> CodeDeployInventory:
    clients = StubbedClients(ENV)
    stubber = clients.stub("codedeploy")
    stubber.add_response("get_deployment_group", group_info(**changes),
                         {"applicationName": APP, "deploymentGroupName": GROUP})
    if stub is not None:
        stub(stubber)
    found = codedeploy.fetch(target(ENV, clients))  # type: ignore[arg-type]
    clients.verify()
    return found


def deployment_checks(inventory: CodeDeployInventory, ecs_inventory: EcsInventory | None = None) -> dict[str, Any]:
    snapshot = snapshot_of(ENV, codedeploy=inventory, ecs=ecs_inventory or code_deploy_ecs())
    return {check: judge(DEPLOYMENT, check, ENV, snapshot)
            for check in ("DEPLOY-BLUE-GREEN", "DEPLOY-AUTO-ROLLBACK", "DEPLOY-TRAFFIC-SHIFT")}


def code_deploy_ecs(controller: str = "CODE_DEPLOY") -> EcsInventory:
    api = service("api", 12, desired=3, controller=controller, rollouts=[] if controller != "ECS" else None)
    world = World().services(api, service("worker", 7, desired=10))
    world.definition(NAMES.family("api"), task_definition("api", 12))
    return worker_as_documented(world).inventory()


def test_documented_blue_green_group_is_green() -> None:
    verdicts = deployment_checks(group_inventory())
    assert all(v.passed for v in verdicts.values()), {k: v.message for k, v in verdicts.items()}


def test_api_on_the_rolling_controller_is_red() -> None:
    verdict = deployment_checks(group_inventory(), code_deploy_ecs("ECS"))["DEPLOY-BLUE-GREEN"]
    assert not verdict.passed
    assert verdict.message.startswith(
        "production DEPLOY-BLUE-GREEN ecs-service:production-taskmanager/api.deploymentController.type: "
        "expected CODE_DEPLOY, got ECS")


@pytest.mark.parametrize(("changes", "setting"), [
    ({"events": ("DEPLOYMENT_FAILURE",)}, "autoRollbackConfiguration.events"),
    ({"events": ()}, "autoRollbackConfiguration.enabled"),
    ({"alarms": ()}, "alarmConfiguration.enabled"),
])
def test_rollback_without_alarms_is_red(changes: dict[str, Any], setting: str) -> None:
    verdict = deployment_checks(group_inventory(**changes))["DEPLOY-AUTO-ROLLBACK"]
    assert not verdict.passed
    assert verdict.message.startswith(f"production DEPLOY-AUTO-ROLLBACK codedeploy:{APP}/{GROUP}.{setting}: expected")


def test_rollback_on_more_events_than_documented_is_green() -> None:
    events = ("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST")
    assert deployment_checks(group_inventory(events=events))["DEPLOY-AUTO-ROLLBACK"].passed


@pytest.mark.parametrize(("config", "setting"), [
    ("CodeDeployDefault.ECSAllAtOnce", "first traffic step"),
    ("CodeDeployDefault.ECSCanary10Percent5Minutes", "minutes at the first step"),
    ("CodeDeployDefault.ECSLinear10PercentEvery3Minutes", "minutes at the first step"),
])
def test_predefined_configs_that_do_not_watch_15_minutes_are_red(config: str, setting: str) -> None:
    verdict = deployment_checks(group_inventory(config=config))["DEPLOY-TRAFFIC-SHIFT"]
    assert not verdict.passed
    assert f"codedeploy:{APP}/{GROUP}/config:{config}.{setting}: expected" in verdict.message


def _custom(routing: dict[str, Any]) -> Any:
    def stub(stubber: Any) -> None:
        stubber.add_response("get_deployment_config", {"deploymentConfigInfo": {
            "deploymentConfigId": "2a9e3c4d-1111-4222-8333-944455556666", "deploymentConfigName": "taskmanager-canary",
            "createTime": WHEN, "computePlatform": "ECS", "trafficRoutingConfig": routing}},
            {"deploymentConfigName": "taskmanager-canary"})
    return stub


def test_custom_config_with_the_documented_canary_is_read_and_green() -> None:
    routing = {"type": "TimeBasedCanary", "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 15}}
    inventory = group_inventory(_custom(routing), config="taskmanager-canary")
    assert inventory.group is not None and inventory.group.traffic is not None
    assert inventory.group.traffic.source == "GetDeploymentConfig"
    assert deployment_checks(inventory)["DEPLOY-TRAFFIC-SHIFT"].passed


def test_custom_linear_config_with_short_steps_is_red() -> None:
    routing = {"type": "TimeBasedLinear", "timeBasedLinear": {"linearPercentage": 25, "linearInterval": 5}}
    inventory = group_inventory(_custom(routing), config="taskmanager-canary")
    verdict = deployment_checks(inventory)["DEPLOY-TRAFFIC-SHIFT"]
    assert not verdict.passed and "first traffic step: expected at most 10%" in verdict.message


def test_group_under_another_name_is_found_by_its_service() -> None:
    """Groups whose name mentions the api service are read first; one deploying another service is passed over."""
    clients = StubbedClients(ENV)
    stubber = clients.stub("codedeploy")
    stubber.add_client_error("get_deployment_group", "DeploymentGroupDoesNotExistException",
                             "No Deployment Group found for name: production-taskmanager-api", 400)
    stubber.add_response("list_deployment_groups", {"applicationName": APP,
                                                    "deploymentGroups": ["worker-batch", "api-canary", "bluegreen"]},
                         {"applicationName": APP})
    stubber.add_response("get_deployment_group", group_info(name="api-canary", service_name="worker"),
                         {"applicationName": APP, "deploymentGroupName": "api-canary"})
    stubber.add_response("get_deployment_group", group_info(name="worker-batch", service_name="worker"),
                         {"applicationName": APP, "deploymentGroupName": "worker-batch"})
    stubber.add_response("get_deployment_group", group_info(name="bluegreen"),
                         {"applicationName": APP, "deploymentGroupName": "bluegreen"})
    inventory = codedeploy.fetch(target(ENV, clients))  # type: ignore[arg-type]
    clients.verify()
    assert inventory.group is not None and inventory.group.name == "bluegreen"
    assert all(v.passed for v in deployment_checks(inventory).values())


def _paged_groups(stubber: Any, pages: list[list[str]]) -> None:
    """ListDeploymentGroups as AWS pages it: a nextToken on every page but the last."""
    for index, names in enumerate(pages):
        answer: dict[str, Any] = {"applicationName": APP, "deploymentGroups": names}
        if index + 1 < len(pages):
            answer["nextToken"] = f"token-{index + 1}"
        stubber.add_response("list_deployment_groups", answer,
                             {"applicationName": APP, **({"nextToken": f"token-{index}"} if index else {})})


def test_the_api_group_on_a_later_page_is_found() -> None:
    """The api's group listed on the second page of ListDeploymentGroups (nextToken) is read, and green."""
    clients = StubbedClients(ENV)
    stubber = clients.stub("codedeploy")
    stubber.add_client_error("get_deployment_group", "DeploymentGroupDoesNotExistException",
                             "No Deployment Group found for name: production-taskmanager-api", 400)
    _paged_groups(stubber, [["batch-nightly", "reports"], ["bluegreen-api"]])
    stubber.add_response("get_deployment_group", group_info(name="bluegreen-api"),
                         {"applicationName": APP, "deploymentGroupName": "bluegreen-api"})
    inventory = codedeploy.fetch(target(ENV, clients))  # type: ignore[arg-type]
    clients.verify()
    assert inventory.group is not None and inventory.group.name == "bluegreen-api"
    assert all(v.passed for v in deployment_checks(inventory).values())


def test_no_group_on_any_page_deploys_the_api_is_red() -> None:
    """Every page read, every group read, none deploys the api service: the group is missing (red)."""
    clients = StubbedClients(ENV)
    stubber = clients.stub("codedeploy")
    stubber.add_client_error("get_deployment_group", "DeploymentGroupDoesNotExistException",
                             "No Deployment Group found for name: production-taskmanager-api", 400)
    _paged_groups(stubber, [["batch-nightly"], ["reports"]])
    for name in ("batch-nightly", "reports"):
        stubber.add_response("get_deployment_group", group_info(name=name, service_name="worker"),
                             {"applicationName": APP, "deploymentGroupName": name})
    inventory = codedeploy.fetch(target(ENV, clients))  # type: ignore[arg-type]
    clients.verify()
    verdict = deployment_checks(inventory)["DEPLOY-AUTO-ROLLBACK"]
    assert inventory.group is None and not verdict.passed
    assert verdict.message.startswith(f"production DEPLOY-AUTO-ROLLBACK codedeploy:{APP}/{GROUP}.exists: "
                                      "expected present, got missing")


def test_no_application_fails_naming_the_group() -> None:
    clients = StubbedClients(ENV)
    stubber = clients.stub("codedeploy")
    for operation in ("get_deployment_group", "list_deployment_groups"):
        stubber.add_client_error(operation, "ApplicationDoesNotExistException",
                                 "No application found for name: production-taskmanager", 400)
    inventory = codedeploy.fetch(target(ENV, clients))  # type: ignore[arg-type]
    verdict = deployment_checks(inventory)["DEPLOY-AUTO-ROLLBACK"]
    assert not verdict.passed
    assert verdict.message.startswith(f"production DEPLOY-AUTO-ROLLBACK codedeploy:{APP}/{GROUP}.exists: "
                                      "expected present, got missing")


# --- ECS circuit breaker (staging) ---------------------------------------------------------------------------
def breaker_ecs(configuration: dict[str, Any] | None) -> EcsInventory:
    api = service("api", 12, desired=3)
    if configuration is None:
        del api["deploymentConfiguration"]  # services that never set it (moto until UpdateService, old services)
    else:
        api["deploymentConfiguration"] = configuration
    world = World().services(api, service("worker", 7, desired=10))
    world.definition(NAMES.family("api"), task_definition("api", 12))
    return worker_as_documented(world).inventory()


@pytest.mark.parametrize(("configuration", "passed"), [
    ({"deploymentCircuitBreaker": {"enable": True, "rollback": True}, "maximumPercent": 200,
      "minimumHealthyPercent": 100, "alarms": {"alarmNames": [], "enable": False, "rollback": False}}, True),
    ({"deploymentCircuitBreaker": {"enable": True, "rollback": False}, "maximumPercent": 200,
      "minimumHealthyPercent": 100}, False),
    ({"deploymentCircuitBreaker": {"enable": False, "rollback": False}, "maximumPercent": 200,
      "minimumHealthyPercent": 100}, False),
    ({"maximumPercent": 200, "minimumHealthyPercent": 50}, False),
    (None, False),
])
def test_circuit_breaker_shapes(configuration: dict[str, Any] | None, passed: bool) -> None:
    verdict = judge(DEPLOYMENT, "DEPLOY-CIRCUIT-BREAKER", "staging",
                    snapshot_of("staging", ecs=breaker_ecs(configuration)))
    assert verdict.passed is passed, verdict.message
    if not passed:
        assert verdict.message.startswith("staging DEPLOY-CIRCUIT-BREAKER ecs-service:staging-taskmanager/api."
                                          "deploymentConfiguration.deploymentCircuitBreaker.")


# --- ECR -----------------------------------------------------------------------------------------------------
DIGEST = "sha256:" + "4f" * 32
REPOSITORY_URI = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"


def repository(name: str, *, mutability: str = "IMMUTABLE", scan_on_push: bool = True) -> dict[str, Any]:
    return {"repositoryArn": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{name}", "registryId": ACCOUNT,
            "repositoryName": name, "repositoryUri": f"{REPOSITORY_URI}/{name}", "createdAt": WHEN,
            "imageTagMutability": mutability, "imageScanningConfiguration": {"scanOnPush": scan_on_push},
            "encryptionConfiguration": {"encryptionType": "AES256"}}


def image_detail(name: str, tags: list[str], *, summary: dict[str, int] | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"registryId": ACCOUNT, "repositoryName": name, "imageDigest": DIGEST,
                              "imageTags": tags, "imageSizeInBytes": 81234567, "imagePushedAt": WHEN,
                              "imageManifestMediaType": "application/vnd.docker.distribution.manifest.v2+json",
                              "artifactMediaType": "application/vnd.docker.container.image.v1+json"}
    if summary is not None:
        detail["imageScanStatus"] = {"status": "COMPLETE", "description": "The scan was completed successfully."}
        detail["imageScanFindingsSummary"] = {"imageScanCompletedAt": WHEN,
                                              "vulnerabilitySourceUpdatedAt": WHEN, "findingSeverityCounts": summary}
    return detail


def running_ecs(image: str | None = None) -> EcsInventory:
    world = World().services(service("api", 12, desired=3), service("worker", 7, desired=10))
    definition = task_definition("api", 12)
    if image is not None:
        definition["taskDefinition"]["containerDefinitions"][0]["image"] = image
    world.definition(NAMES.family("api"), definition)
    return worker_as_documented(world).inventory()


def ecr_inventory(ecs_inventory: EcsInventory, stub: Any, *, identity: bool = False) -> EcrInventory:
    """``identity``: the registry's rules decide the scanning (scanOnPush off), so whether they are this account's
    own is asked (GetCallerIdentity, shared with the identity section in a run)."""
    clients = StubbedClients(ENV)
    stub(clients.stub("ecr"))
    if identity:
        clients.stub("sts").add_response("get_caller_identity", {
            "UserId": "AROAEXAMPLEID:envmatrix-audit", "Account": ACCOUNT,
            "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/envmatrix-readonly/envmatrix-audit"}, {})
    found = ecr.fetch(target(ENV, clients), ecs_inventory)  # type: ignore[arg-type]
    clients.verify()
    return found


def image_checks(ecs_inventory: EcsInventory, inventory: EcrInventory) -> dict[str, Any]:
    snapshot = snapshot_of(ENV, ecs=ecs_inventory, ecr=inventory)
    return {check: judge(DEPLOYMENT, check, ENV, snapshot)
            for check in ("IMAGE-PROMOTED", "IMAGE-SCANNED", "IMAGE-TAGS-IMMUTABLE")}


def _repositories(stubber: Any, *, mutability: str = "IMMUTABLE", scan_on_push: bool = True,
                  registry: dict[str, Any] | None = None) -> None:
    """DescribeRepositories of both, in the registry the images name (after the images: where they are decides)."""
    repos = [repository(f"taskmanager-{role}", mutability=mutability if role == "api" else "IMMUTABLE",
                        scan_on_push=scan_on_push) for role in ("api", "worker")]
    stubber.add_response("describe_repositories", {"repositories": repos},
                         {"registryId": ACCOUNT, "repositoryNames": ["taskmanager-api", "taskmanager-worker"]})
    if registry is not None:
        stubber.add_response("get_registry_scanning_configuration",
                             {"registryId": ACCOUNT, "scanningConfiguration": registry}, {})


def standard(*, api_tags: list[str] | None = None, mutability: str = "IMMUTABLE", scan_on_push: bool = True,
             registry: dict[str, Any] | None = None, api_summary: dict[str, int] | None = None,
             api_scan: dict[str, Any] | None = None) -> Any:
    """Each role's image: DescribeImages (with or without a scan summary) and, when DescribeImages has no summary,
    DescribeImageScanFindings; then both repositories."""
    def stub(stubber: Any) -> None:
        for role, tag in (("api", "v1.4.2"), ("worker", "v1.4.2")):
            name = f"taskmanager-{role}"
            tags = api_tags if role == "api" and api_tags is not None else ["main-9f8e7d6", "v1.4.2"]
            summary = api_summary if role == "api" else {"HIGH": 1, "MEDIUM": 4}
            stubber.add_response("describe_images", {"imageDetails": [image_detail(name, tags, summary=(
                None if role == "api" and api_scan is not None else summary))]},
                {"registryId": ACCOUNT, "repositoryName": name, "imageIds": [{"imageTag": tag}]})
            if role == "api" and api_scan is None and api_summary is None:  # never scanned
                stubber.add_client_error("describe_image_scan_findings", "ScanNotFoundException",
                                         f"Image scan does not exist for the image with '{{imageDigest:'{DIGEST}'}}'",
                                         400)
            if role == "api" and api_scan is not None:
                stubber.add_response("describe_image_scan_findings", {
                    "registryId": ACCOUNT, "repositoryName": name, "imageId": {"imageDigest": DIGEST}, **api_scan},
                    {"registryId": ACCOUNT, "repositoryName": name, "imageId": {"imageDigest": DIGEST}})
        _repositories(stubber, mutability=mutability, scan_on_push=scan_on_push, registry=registry)
    return stub


def test_documented_images_are_green() -> None:
    ecs_inventory = running_ecs()
    verdicts = image_checks(ecs_inventory, ecr_inventory(ecs_inventory, standard(api_summary={"HIGH": 2})))
    assert all(v.passed for v in verdicts.values()), {k: v.message for k, v in verdicts.items()}


def test_a_critical_finding_on_the_running_digest_is_red() -> None:
    ecs_inventory = running_ecs()
    inventory = ecr_inventory(ecs_inventory, standard(api_summary={"CRITICAL": 1, "HIGH": 3}))
    verdict = image_checks(ecs_inventory, inventory)["IMAGE-SCANNED"]
    assert not verdict.passed
    assert verdict.message.startswith(f"production IMAGE-SCANNED ecr:taskmanager-api@{DIGEST}.findingSeverityCounts: "
                                      "expected none at or above CRITICAL, got")


ENHANCED_FINDING = {"awsAccountId": ACCOUNT, "description": "A use-after-free in libexample.",
                    "findingArn": f"arn:aws:inspector2:{REGION}:{ACCOUNT}:finding/0123456789abcdef",
                    "firstObservedAt": WHEN, "lastObservedAt": WHEN, "updatedAt": WHEN,
                    "severity": "CRITICAL", "status": "ACTIVE", "title": "CVE-2026-12345 - libexample",
                    "type": "PACKAGE_VULNERABILITY"}


@pytest.mark.parametrize(("scan", "passed"), [
    ({"imageScanStatus": {"status": "ACTIVE", "description": "Continuous scan is selected for image."},
      "imageScanFindings": {"enhancedFindings": [], "findingSeverityCounts": {}}}, True),
    ({"imageScanStatus": {"status": "ACTIVE", "description": "Continuous scan is selected for image."},
      "imageScanFindings": {"enhancedFindings": [ENHANCED_FINDING]}}, False),
    ({"imageScanStatus": {"status": "FAILED", "description": "UnsupportedImageError"},
      "imageScanFindings": {}}, False),
])
def test_enhanced_scanning_shapes(scan: dict[str, Any], passed: bool) -> None:
    registry = {"scanType": "ENHANCED", "rules": [{"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [
        {"filter": "taskmanager-*", "filterType": "WILDCARD"}]}]}
    ecs_inventory = running_ecs()
    inventory = ecr_inventory(ecs_inventory, standard(scan_on_push=False, registry=registry, api_scan=scan),
                              identity=True)
    assert inventory.repositories["taskmanager-api"] is not None
    assert inventory.repositories["taskmanager-api"].scanning.startswith("ENHANCED CONTINUOUS_SCAN")
    verdict = image_checks(ecs_inventory, inventory)["IMAGE-SCANNED"]
    assert verdict.passed is passed, verdict.message


def test_no_scanning_anywhere_is_red() -> None:
    ecs_inventory = running_ecs()
    inventory = ecr_inventory(ecs_inventory, standard(scan_on_push=False, registry={"scanType": "BASIC",
                                                                                     "rules": []}), identity=True)
    verdict = image_checks(ecs_inventory, inventory)["IMAGE-SCANNED"]
    assert not verdict.passed
    assert verdict.message.startswith("production IMAGE-SCANNED ecr:taskmanager-api.scanning: expected scan on push")


def test_release_tag_without_a_build_tag_is_red() -> None:
    ecs_inventory = running_ecs()
    verdict = image_checks(ecs_inventory, ecr_inventory(ecs_inventory, standard(api_tags=["v1.4.2"])))[
        "IMAGE-PROMOTED"]
    assert not verdict.passed
    assert verdict.message.startswith(f"production IMAGE-PROMOTED ecr:taskmanager-api@{DIGEST}.imageTags: "
                                      "expected a build tag main-<sha>, got")


def test_mutable_repository_is_red() -> None:
    ecs_inventory = running_ecs()
    verdict = image_checks(ecs_inventory, ecr_inventory(ecs_inventory, standard(mutability="MUTABLE")))[
        "IMAGE-TAGS-IMMUTABLE"]
    assert not verdict.passed
    assert verdict.message.startswith("production IMAGE-TAGS-IMMUTABLE ecr:taskmanager-api.imageTagMutability: "
                                      "expected IMMUTABLE, got MUTABLE")


def test_image_pinned_by_digest_is_resolved_and_green() -> None:
    ecs_inventory = running_ecs(f"{REPOSITORY_URI}/taskmanager-api@{DIGEST}")

    def stub(stubber: Any) -> None:
        stubber.add_response("describe_images", {"imageDetails": [image_detail(
            "taskmanager-api", ["main-9f8e7d6", "v1.4.2"], summary={})]},
            {"registryId": ACCOUNT, "repositoryName": "taskmanager-api", "imageIds": [{"imageDigest": DIGEST}]})
        stubber.add_response("describe_images", {"imageDetails": [image_detail(
            "taskmanager-worker", ["main-9f8e7d6", "v1.4.2"], summary={"LOW": 2})]},
            {"registryId": ACCOUNT, "repositoryName": "taskmanager-worker", "imageIds": [{"imageTag": "v1.4.2"}]})
        _repositories(stubber)
    verdicts = image_checks(ecs_inventory, ecr_inventory(ecs_inventory, stub))
    assert all(v.passed for v in verdicts.values()), {k: v.message for k, v in verdicts.items()}


def test_an_image_from_another_registry_fails_closed() -> None:
    ecs_inventory = running_ecs("docker.io/library/python:3.12-slim")

    def stub(stubber: Any) -> None:
        stubber.add_response("describe_images", {"imageDetails": [image_detail(
            "taskmanager-worker", ["main-9f8e7d6", "v1.4.2"], summary={})]},
            {"registryId": ACCOUNT, "repositoryName": "taskmanager-worker", "imageIds": [{"imageTag": "v1.4.2"}]})
        stubber.add_response("describe_repositories", {"repositories": [repository("taskmanager-api")]},
                             {"repositoryNames": ["taskmanager-api"]})
        stubber.add_response("describe_repositories", {"repositories": [repository("taskmanager-worker")]},
                             {"registryId": ACCOUNT, "repositoryNames": ["taskmanager-worker"]})
    verdicts = image_checks(ecs_inventory, ecr_inventory(ecs_inventory, stub))
    assert not any(v.passed for v in verdicts.values())
    assert "/image.repository: expected an ECR repository, got docker.io/library/python:3.12-slim" in \
        verdicts["IMAGE-PROMOTED"].message
