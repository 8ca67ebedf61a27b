"""The sections are the one declaration of every AWS read: the snapshot, policy and guard cannot drift from them."""

from __future__ import annotations

import ast
import dataclasses
import sys
from functools import cache
from pathlib import Path

import botocore.session
import pytest
from botocore import xform_name

from envmatrix.aws import snapshot
from envmatrix.aws.guard import allowed
from envmatrix.aws.iam import OPERATIONS, actions, iam_action
from envmatrix.aws.section import Operation, Section
from envmatrix.aws.sections import SECTIONS, check_plan, operations, warm_services
from envmatrix.aws.session import CALLER_SIDE
from envmatrix.errors import InventoryUnavailable
from envmatrix.names import names_for

ROOT = Path(__file__).resolve().parents[2]
AWS = ROOT / "envmatrix" / "aws"


def _file_of(section: Section) -> Path:
    return Path(str(sys.modules[section.fetch.__module__].__file__))


def _declared_by_file() -> dict[Path, set[Operation]]:
    """Each module's declared operations: its section's, and the session module's caller-side AssumeRole."""
    declared = {_file_of(section): set(section.operations) for section in SECTIONS}
    assert len(declared) == len(SECTIONS)  # one section per module
    # the session also names the account its rate budget is kept for: the identity section's GetCallerIdentity,
    # asked once per set of clients (session.caller_identity) and shared with that section
    declared[AWS / "session.py"] = set(CALLER_SIDE) | {("sts", "GetCallerIdentity")}
    return declared


@cache
def _operations_of(service: str) -> dict[str, str]:
    """botocore's method name -> operation name for ``service`` (describe_db_instances -> DescribeDBInstances)."""
    model = botocore.session.get_session().get_component("data_loader").load_service_model(service, "service-2")
    return {xform_name(operation): operation for operation in model["operations"]}


def _clients_and_names(path: Path) -> tuple[set[str], set[str | None], set[str]]:
    """The services whose clients the module makes (None: a name not spelled out), and every attribute name and
    string constant in it (a call ``client.list_secrets(`` or a paginator ``get_paginator("list_secrets")``)."""
    services: set[str | None] = set()
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "client":
            first = node.args[0] if node.args else None
            services.add(first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None)
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)
    return {s for s in services if s is not None}, services, names


def _called(path: Path) -> dict[str, set[Operation]]:
    """Method name -> the operations it may be, among the services whose clients the module makes."""
    services, _, names = _clients_and_names(path)
    found: dict[str, set[Operation]] = {}
    for service in services:
        for method, operation in _operations_of(service).items():
            if method in names:
                found.setdefault(method, set()).add((service, operation))
    return found


def test_the_snapshot_has_one_typed_field_per_section() -> None:
    fields = {name: info.annotation for name, info in snapshot.Snapshot.model_fields.items()
              if name not in snapshot.NOT_SECTIONS}
    assert fields == {section.name: section.model | None for section in SECTIONS}
    # snapshot.section(Model) finds the section by its model: each model is one section's
    assert snapshot.SECTION_OF == {section.model: section.name for section in SECTIONS}
    assert len(snapshot.SECTION_OF) == len(SECTIONS)


def test_an_unstartable_snapshot_names_every_section() -> None:
    error = InventoryUnavailable("staging", "profile staging", "no such profile")
    taken = snapshot.unavailable_snapshot("staging", names_for("staging"), "run", error)
    assert set(taken.unavailable) == {section.name for section in SECTIONS}


def test_policy_and_guard_are_the_declared_operations() -> None:
    declared = {operation for section in SECTIONS for operation in section.operations}
    assert set(OPERATIONS) == declared and len(OPERATIONS) == len(declared)
    assert set(actions()) == {iam_action(*operation) for operation in declared}
    assert allowed() == declared | CALLER_SIDE


@pytest.mark.parametrize("path", sorted(AWS.glob("*.py")), ids=lambda path: path.name)
def test_every_operation_called_is_declared_by_its_module(path: Path) -> None:
    """Statically: each operation a module can call on the clients it makes is declared by that module, and each
    one it declares is called there. A name two of its services share (ListTagsForResource) is one operation."""
    declared = _declared_by_file().get(path, set())
    called = _called(path)
    if path.name == "identity.py":  # its one call is session.caller_identity's, shared with the rate budget
        called |= {"get_caller_identity": {("sts", "GetCallerIdentity")}}
    undeclared = {method: options for method, options in called.items() if not options & declared}
    assert undeclared == {}, f"{path.name} calls operations no section declares"
    assert declared <= {operation for options in called.values() for operation in options}, \
        f"{path.name} declares operations it never calls"


@pytest.mark.parametrize("path", sorted(AWS.glob("*.py")), ids=lambda path: path.name)
def test_clients_are_named_and_declared(path: Path) -> None:
    """Every client a module makes is spelled out (the scan above can see it) and is one its section declares."""
    services, spelled, _ = _clients_and_names(path)
    if path.name == "session.py":  # Clients.client itself makes the client of the service it is asked for
        assert services == {"sts"}
        return
    assert None not in spelled, f"{path.name} makes a client whose service the scan cannot see"
    own = [section for section in SECTIONS if _file_of(section) == path]
    allowed_services = {s for section in own for s in (*section.services, *(op[0] for op in section.operations))}
    assert services <= allowed_services


def test_only_the_aws_package_talks_to_aws() -> None:
    """boto3 and botocore are imported under envmatrix/aws/ (and by the sandbox) only: no read hides elsewhere."""
    for path in (ROOT / "envmatrix").rglob("*.py"):
        if AWS in path.parents or "sandbox" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [m for m in modules if m.split(".")[0] in ("boto3", "botocore")], path


def test_the_plan_waits_and_warms_as_declared() -> None:
    later = {section.name: section.after for section in SECTIONS if section.after}
    assert later == {"ecr": "ecs", "db_clusters": "rds", "db_parameters": "rds", "vpn": "alb"}
    assert "ce" not in warm_services()  # Cost Explorer's client is made in its partition's region, when needed
    assert operations() == OPERATIONS


def test_a_plan_that_contradicts_itself_is_refused() -> None:
    rds = next(section for section in SECTIONS if section.name == "rds")
    with pytest.raises(ValueError, match="declared by sections rds and copy"):
        check_plan((rds, dataclasses.replace(rds, name="copy")))
    with pytest.raises(ValueError, match="a section name is declared twice"):
        check_plan((rds, dataclasses.replace(rds, operations=())))
    with pytest.raises(ValueError, match="waits for nowhere"):
        check_plan((dataclasses.replace(rds, after="nowhere"),))
    with pytest.raises(ValueError, match="declared twice"):
        dataclasses.replace(rds, operations=(("rds", "DescribeDBInstances"),) * 2)
