"""External health checks: a Route 53 health check tagged with the environment's name, else a Synthetics canary."""

from __future__ import annotations

from typing import Any, Literal

from envmatrix.aws.reading import Once, reading, tag_dict
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

#: ListTagsForResources takes at most 10 health check ids per call.
TAG_BATCH = 10


class ExternalCheck(Model):
    kind: Literal["route53", "canary"]
    id: str  # the health check id, or the canary's name (what an alarm's dimension names)
    name: str
    #: Route 53: the FQDN, resource path, type and whether it is disabled; a canary's URL lives in its script
    domain: str | None = None
    path: str | None = None
    protocol: str | None = None
    disabled: bool = False
    state: str | None = None  # canary: RUNNING, STOPPED, ERROR, ...


class HealthChecksInventory(Model):
    #: None where none is wanted or none was found (a check then says which were looked for)
    external: ExternalCheck | None


class Route53Checks(Model):
    """The account's Route 53 health checks and their tags, listed once a run and shared by every environment."""

    checks: dict[str, dict[str, Any]]  # id -> the health check as ListHealthChecks answers it
    names: dict[str, str]  # id -> its Name tag (ids without one are left out)


#: Environments read through the same clients share one listing: Route 53 allows 5 requests a second per account,
#: and every environment would otherwise list (and tag-read) the whole account.
_ACCOUNT_CHECKS = Once()


def _names(route53: Any, ids: list[str]) -> dict[str, str]:
    """Each health check's Name tag, reading tags 10 ids at a time."""
    found: dict[str, str] = {}
    for first in range(0, len(ids), TAG_BATCH):
        answer = route53.list_tags_for_resources(ResourceType="healthcheck", ResourceIds=ids[first:first + TAG_BATCH])
        for tag_set in answer.get("ResourceTagSets", []):
            name = tag_dict(tag_set.get("Tags")).get("Name")
            if name is not None:
                found[str(tag_set.get("ResourceId"))] = name
    return found


def _list(route53: Any) -> Route53Checks:
    checks = {item["Id"]: item for page in route53.get_paginator("list_health_checks").paginate()
              for item in page.get("HealthChecks", [])}
    return Route53Checks(checks=checks, names=_names(route53, list(checks)) if checks else {})


def _route53(target: AwsTarget, name: str) -> ExternalCheck | None:
    route53 = target.clients.client("route53")
    listed: Route53Checks = _ACCOUNT_CHECKS.get(id(route53), lambda: _list(route53), route53)
    found = next((ident for ident, tagged in listed.names.items() if tagged == name), None)
    if found is None:
        return None
    config = listed.checks[found].get("HealthCheckConfig", {})
    return ExternalCheck(kind="route53", id=found, name=name, domain=config.get("FullyQualifiedDomainName"),
                         path=config.get("ResourcePath"), protocol=config.get("Type"),
                         disabled=config.get("Disabled") is True)


def _canary(target: AwsTarget, name: str) -> ExternalCheck | None:
    """DescribeCanaries by name: absent is an empty list (GetCanary's not-found answer differs between AWS and
    the emulator), and the answer is filtered by name again in case a service ignores the Names filter."""
    synthetics = target.clients.client("synthetics")
    found = [item for item in synthetics.describe_canaries(Names=[name]).get("Canaries", [])
             if item.get("Name") == name]
    if not found:
        return None
    canary = found[0]
    return ExternalCheck(kind="canary", id=canary.get("Name", name), name=name,
                         state=(canary.get("Status") or {}).get("State"))


def fetch(target: AwsTarget) -> HealthChecksInventory:
    """Route 53 first (ListHealthChecks, then tags); the canary is asked for only when no health check is tagged."""
    if not target.wants.health_check:
        return HealthChecksInventory(external=None)
    name = target.names.health_check
    with reading(target.env, f"Route 53 health check tagged Name={name}"):
        found = _route53(target, name)
    if found is None:
        with reading(target.env, f"Synthetics canary {name}"):
            found = _canary(target, name)
    return HealthChecksInventory(external=found)


SECTION = Section("healthchecks", fetch, HealthChecksInventory, services=("route53", "synthetics"), operations=(
    ("route53", "ListHealthChecks"),
    ("route53", "ListTagsForResources"),
    ("synthetics", "DescribeCanaries"),
))
