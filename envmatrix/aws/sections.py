"""The one list of snapshot sections: the fetch plan, client warm-up, IAM policy and guard all derive from it."""

from __future__ import annotations

from envmatrix.aws import (
    alarms,
    alb,
    buckets,
    budgets,
    cloudtrail,
    codedeploy,
    costs,
    dbclusters,
    dbparameters,
    dbsnapshots,
    ecr,
    ecs,
    elasticache,
    guard,
    healthchecks,
    identity,
    logs,
    metrics,
    network,
    rds,
    scaling,
    secrets,
    vpn,
    waf,
)
from envmatrix.aws.section import Operation, Section

#: Every section, in the order they are started; a section with ``after`` starts once the one it waits for is done.
SECTIONS: tuple[Section, ...] = (
    rds.SECTION,
    elasticache.SECTION,
    ecs.SECTION,
    scaling.SECTION,
    logs.SECTION,
    secrets.SECTION,
    network.SECTION,
    alb.SECTION,
    waf.SECTION,
    buckets.SECTION,
    alarms.SECTION,
    identity.SECTION,
    metrics.SECTION,
    healthchecks.SECTION,
    codedeploy.SECTION,
    budgets.SECTION,
    costs.SECTION,
    ecr.SECTION,
    dbclusters.SECTION,
    dbsnapshots.SECTION,
    dbparameters.SECTION,
    vpn.SECTION,
    cloudtrail.SECTION,
)


def check_plan(sections: tuple[Section, ...]) -> None:
    """Names unique, each ``after`` an earlier first-wave section, each operation declared by one section only."""
    names = [section.name for section in sections]
    if len(set(names)) != len(names):
        raise ValueError(f"a section name is declared twice: {names}")
    first = {section.name for section in sections if section.after is None}
    for section in sections:
        if section.after is not None and section.after not in first:
            raise ValueError(f"section {section.name} waits for {section.after}, not a first-wave section")
    owners: dict[Operation, str] = {}
    for section in sections:
        for operation in section.operations:
            if operation in owners:
                raise ValueError(f"{operation} is declared by sections {owners[operation]} and {section.name}")
            owners[operation] = section.name


def operations(sections: tuple[Section, ...] = SECTIONS) -> tuple[Operation, ...]:
    """Every operation the sections declare, sorted (each declared once: see :func:`check_plan`)."""
    check_plan(sections)
    return tuple(sorted(operation for section in sections for operation in section.operations))


def warm_services(sections: tuple[Section, ...] = SECTIONS) -> tuple[str, ...]:
    """The clients made before any fetch starts, each once, in the sections' order."""
    return tuple(dict.fromkeys(service for section in sections for service in section.services))


check_plan(SECTIONS)
guard.declare(operations())  # the guard's allow-list: exactly what the sections declare
