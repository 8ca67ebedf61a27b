"""Judging CloudTrail's write events: which are the automation's, which of the environment's resources each one
touched, and the one line a manual change is said in."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from envmatrix.aws.arn import parse_arn
from envmatrix.aws.cloudtrail import ChangeEvent, ChangesInventory, Trail
from envmatrix.aws.snapshot import Snapshot

#: The RDS Data API (the console's query editor uses it): SQL run against the database itself, "a direct database
#: modification" in the document's words, listed like any other manual change.
DATA_API = ("rds-data.amazonaws.com",)
#: ids the snapshot holds for resources whose names do not carry the environment's (security groups, instances)
_OPAQUE_ID = re.compile(r"^(sg|i|vpc|subnet|eni|rtb|acl|igw|nat|db|cluster)-[0-9a-zA-Z]+$")
_ASSUMED = re.compile(r"^arn:([\w-]+):sts::(\d+):assumed-role/([^/]+)/")


@dataclass(frozen=True)
class ManualChange:
    """A write event on the environment's resource by a principal that is not automation."""

    resource: str  # "rds:production-taskmanager-db"
    event: ChangeEvent

    def text(self) -> str:
        """``ModifyDBInstance by <arn> at <time> from the console (signin.amazonaws.com)``."""
        event = self.event
        what = event.name + (" (a direct database modification)" if event.source in DATA_API else "")
        who = event.principal + (" (an access key)" if event.access_key else "")
        return f"{what} by {who} at {event.time} from {channel(event)}"


def _first_token(agent: str) -> str:
    return agent.split()[0] if agent.split() else ""


def channel(event: ChangeEvent) -> str:
    """Where the change was made from: the console, the AWS CLI, an SDK or tool (its user agent's first word)."""
    agent = _first_token(event.user_agent)
    if event.console:
        return f"the console ({agent or event.source_ip or 'console'})"
    if agent.lower().startswith("aws-cli/"):
        return f"the AWS CLI ({agent})"
    if "terraform" in event.user_agent.lower():
        return f"Terraform ({agent})"
    where = event.source_ip or "an unknown address"
    return f"{where} ({agent})" if agent else where


def patterns(templates: Iterable[str], prefix: str, short_name: str) -> list[re.Pattern[str]]:
    """The spec's automation ARN patterns for one environment: ``{prefix}``/``{env}`` filled in, ``*`` any run."""
    compiled = []
    for template in templates:
        text = template.replace("{prefix}", prefix).replace("{env}", short_name)
        compiled.append(re.compile(".*".join(re.escape(part) for part in text.split("*"))))
    return compiled


def _role_of(principal: str) -> str:
    """``arn:aws:sts::1:assumed-role/R/session`` -> ``arn:aws:iam::1:role/R`` (without the role's path, which the
    session ARN does not carry: the session issuer has it)."""
    found = _ASSUMED.match(principal)
    return f"arn:{found[1]}:iam::{found[2]}:role/{found[3]}" if found else ""


def automated(event: ChangeEvent, automation: list[re.Pattern[str]]) -> bool:
    """An AWS service acting on its own (invokedBy, an AWSService principal), or a configured automation principal
    (the caller's ARN, its session issuer's role ARN, or the role its session ARN names)."""
    if event.invoked_by or event.principal_type == "AWSService":
        return True
    candidates = [arn for arn in (event.principal, event.issuer, _role_of(event.principal)) if arn]
    return any(pattern.fullmatch(arn) for pattern in automation for arn in candidates)


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list | tuple):
        for value in data:
            yield from _strings(value)
    elif isinstance(data, str):
        yield data


def known_ids(snapshot: Snapshot) -> frozenset[str]:
    """The opaque ids and ARNs of the environment's resources, as its snapshot read them (what an event naming
    ``sg-0abc...`` is matched by)."""
    data = snapshot.model_dump(exclude={"changes", "names", "unavailable"})
    return frozenset(value for value in _strings(data) if _OPAQUE_ID.match(value) or parse_arn(value))


def _shown(value: str) -> str:
    """An identifier as a finding names it: an ARN's resource, without its type word and a trailing ``:*``."""
    arn = parse_arn(value)
    if arn is None:
        return value
    resource = arn.resource.removesuffix(":*")
    head, sep, rest = resource.partition(":")
    return rest if sep and "/" not in head else resource


@dataclass(frozen=True)
class Resources:
    """What names the environment's resources: its names, the prefixes its names start with, the snapshot's ids."""

    names: tuple[str, ...]
    prefixes: tuple[str, ...]
    ids: frozenset[str]

    @classmethod
    def of(cls, snapshot: Snapshot, prefix: str) -> Resources:
        shared = {"api_service", "worker_service", "api_container", "worker_container", "api_repository",
                  "worker_repository", "bastion_tag"}
        starts = ("secret_prefix", "sg_prefix", "alarm_prefix")
        names = snapshot.names
        return cls(names=tuple(name for name in [prefix, *(value for key, value in names.items()
                                                           if key not in shared and key not in starts)]
                               if len(name) >= 4),
                   prefixes=tuple(names[key] for key in starts if names.get(key)), ids=known_ids(snapshot))

    def owns(self, value: str) -> bool:
        shown = _shown(value)
        if value in self.ids or shown in self.ids:
            return True
        if any(re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w])", shown) for name in self.names):
            return True
        return any(shown.startswith(prefix) or f"/{prefix}" in shown for prefix in self.prefixes)


def subject(event: ChangeEvent, resources: Resources) -> str | None:
    """``<service>:<resource>`` of the environment's resource the event wrote (Resources first, then the request's
    identifiers: AWS often leaves Resources empty); None when the event concerns none of them."""
    service = event.source.split(".")[0].removesuffix("-data")
    for value in (*event.resources, *event.identifiers):
        if resources.owns(value):
            return f"{service}:{_shown(value)}"
    return None


def manual_changes(changes: ChangesInventory, snapshot: Snapshot, automation: list[re.Pattern[str]]
                   ) -> list[ManualChange]:
    """Writes on the environment's resources by anyone but the automation, oldest first; a refused write (an
    ``errorCode``) changed nothing and is not one."""
    resources = Resources.of(snapshot, changes.prefix)
    found = []
    for event in sorted(changes.events, key=lambda item: item.time):
        if event.error_code or automated(event, automation):
            continue
        resource = subject(event, resources)
        if resource is not None:
            found.append(ManualChange(resource, event))
    return found


def trail_text(changes: ChangesInventory) -> str:
    """The recording trail ("org-trail, logging"), or what is missing: no trail, or each one's shortfall."""
    trail = changes.recording
    if trail is not None:
        return f"{trail.name}, logging"
    if not changes.trails:
        return f"no trail covers {changes.region} (DescribeTrails, shadow trails included)"
    return "; ".join(f"{item.name}: {shortfall(item)}" for item in changes.trails)


def shortfall(trail: Trail) -> str:
    if trail.problem:
        return f"cannot read its status or event selectors: {trail.problem}"
    if not trail.logging:
        return "not logging (GetTrailStatus IsLogging false)"
    return "its event selectors record no management write events"
