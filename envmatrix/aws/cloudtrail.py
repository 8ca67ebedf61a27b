"""CloudTrail: the trail that records an environment's management writes, and the write events of the run's window."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import time
from typing import TYPE_CHECKING, Any

from envmatrix.aws.identity import caller
from envmatrix.aws.reading import Once, error_code, reading, reason_of
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, ChangeWindow, Model
from envmatrix.redact import clip, redact_text

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

#: LookupEvents: 50 events a page at most (its 2 requests a second per account and region: envmatrix.aws.throttle)
PAGE_SIZE = 50
#: what a throttled LookupEvents answers; the pauses before each retry of that page (then its error stands)
THROTTLED = ("ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded")
BACKOFF = (1.0, 2.0, 4.0)
DEFAULT_HOURS = 24
#: requestParameters keys whose string values name a resource (matched to the environment, never shown whole)
_IDENTIFIER_KEY = re.compile(r"(?i)(identifier|name|id|ids|arn|arns|cluster|service|bucket|group|resource)$")
_NOT_IDENTIFIER = re.compile(r"(?i)(password|secret(string)?$|token|policy|document|sql|value|description)")
_MAX_IDENTIFIERS = 12
_sleep = time.sleep  # the tests replace it: a throttled page is retried after a pause


class Trail(Model):
    name: str
    arn: str
    home_region: str
    multi_region: bool
    organization: bool
    #: GetTrailStatus IsLogging; None where the status could not be read
    logging: bool | None = None
    #: how the trail's selectors record management write events, "" when they do not
    writes: str = ""
    #: why its status or selectors could not be read ("" when they could)
    problem: str = ""

    @property
    def records(self) -> bool:
        """Logging, and recording management write events: what "no manual change seen" rests on."""
        return bool(self.logging) and bool(self.writes)


class ChangeEvent(Model):
    """A write event, trimmed to what a finding needs (no request payload beyond identifiers, no access key)."""

    event_id: str
    name: str
    source: str  # eventSource, e.g. rds.amazonaws.com
    time: str  # ISO 8601, UTC ("2026-12-05T14:02:11Z")
    principal: str  # userIdentity.arn (else its type and principal id)
    principal_type: str  # IAMUser, AssumedRole, AWSService, Root, ...
    issuer: str = ""  # the role behind an assumed-role session (sessionContext.sessionIssuer.arn)
    invoked_by: str = ""  # an AWS service acting on its own
    source_ip: str = ""
    user_agent: str = ""
    console: bool = False  # made in the AWS console (sessionCredentialFromConsole, the console's user agent)
    access_key: bool = False  # signed with an IAM user's long-term access key
    error_code: str = ""  # the write was refused (it changed nothing)
    resources: tuple[str, ...] = ()  # Resources[].ResourceName
    identifiers: tuple[str, ...] = ()  # the resource names and ids the request named


class ChangesInventory(Model):
    account: str
    region: str
    #: the environment's name prefix, as the run names its resources ("production-taskmanager")
    prefix: str
    start: str
    end: str
    window: str  # "in 24 h", "since 2026-12-05T03:17:00Z (the last run)"
    trails: list[Trail]
    #: write events in the window that name this environment's resources (or ids the checks resolve)
    events: list[ChangeEvent]
    pages: int
    page_cap: int
    #: the page cap was reached with events left unread
    truncated: bool

    @property
    def recording(self) -> Trail | None:
        """The trail that logs management writes here (the first found), or None."""
        return next((trail for trail in self.trails if trail.records), None)

    @property
    def read_events(self) -> int:
        return self.page_cap * PAGE_SIZE


#: one read per client of the trails and of the window: environments sharing an account (and so a session) share
#: them (each operation and resource is asked once per run)
_READS = Once()


def default_window(now: dt.datetime | None = None, hours: int = DEFAULT_HOURS, page_cap: int = 20) -> ChangeWindow:
    end = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    return ChangeWindow(end - dt.timedelta(hours=hours), end, f"in {hours} h", page_cap)


def _iso(moment: Any) -> str:
    if isinstance(moment, dt.datetime):
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(moment or "")


# -- the trail ---------------------------------------------------------------------------------------------------


def _write_selectors(answer: dict[str, Any]) -> str:
    """How GetEventSelectors' answer records management write events ("" when it does not)."""
    for selector in answer.get("EventSelectors") or []:
        kind = selector.get("ReadWriteType")
        if selector.get("IncludeManagementEvents") is True and kind in ("All", "WriteOnly"):
            return f"management events ({kind})"
    for selector in answer.get("AdvancedEventSelectors") or []:
        fields = {item.get("Field"): item for item in selector.get("FieldSelectors", [])}
        category = fields.get("eventCategory", {})
        if "Management" not in category.get("Equals", []) or category.get("NotEquals"):
            continue
        read_only = fields.get("readOnly", {})
        if "true" in [value.lower() for value in read_only.get("Equals", [])] or \
                "false" in [value.lower() for value in read_only.get("NotEquals", [])]:
            continue  # read events only
        return f"management events (advanced selector {selector.get('Name') or 'unnamed'})"
    return ""


def _trail(client: Any, raw: dict[str, Any]) -> Trail:
    from botocore.exceptions import ClientError

    trail = Trail(name=str(raw.get("Name", "")), arn=str(raw.get("TrailARN", "")),
                  home_region=str(raw.get("HomeRegion", "")), multi_region=bool(raw.get("IsMultiRegionTrail")),
                  organization=bool(raw.get("IsOrganizationTrail")))
    name = trail.arn or trail.name  # a shadow trail (another region's, an organization's) is named by its ARN
    try:
        logging = bool(client.get_trail_status(Name=name).get("IsLogging"))
        if not logging:  # not logging: its selectors cannot make it record
            return trail.model_copy(update={"logging": False})
        writes = _write_selectors(client.get_event_selectors(TrailName=name))
    except ClientError as exc:
        return trail.model_copy(update={"problem": reason_of(exc)})
    return trail.model_copy(update={"logging": logging, "writes": writes})


def _shared_trail(client: Any, raw: dict[str, Any]) -> Trail:
    """A trail's status and selectors, read once per run however many environments it records (an organization
    trail, one account's)."""
    return _READS.get((id(client), "trail", str(raw.get("TrailARN", raw.get("Name")))), lambda: _trail(client, raw),
                      client)


def _order(prefix: str) -> Any:
    """The environment's own trail ({prefix}-trail) first, then organization trails, then the others by name."""
    return lambda raw: (raw.get("Name") != f"{prefix}-trail", not raw.get("IsOrganizationTrail"),
                        str(raw.get("Name", "")))


def _trails(client: Any, region: str, prefix: str) -> list[Trail]:
    """The trails that cover the region (their own, or multi-region), read until one records management writes.

    The environment's own trail ({prefix}-trail), where it exists, is the one judged: stopping it is a finding
    even where another trail still records (someone turned the environment's record off)."""
    listed = _READS.get((id(client), "DescribeTrails"), lambda: client.describe_trails(includeShadowTrails=True),
                        client).get("trailList", [])
    covering = sorted((raw for raw in listed if raw.get("HomeRegion") == region or raw.get("IsMultiRegionTrail")),
                      key=_order(prefix))
    if covering and covering[0].get("Name") == f"{prefix}-trail":
        return [_shared_trail(client, covering[0])]
    found: list[Trail] = []
    for raw in covering:
        found.append(_shared_trail(client, raw))
        if found[-1].records:
            break  # one recording trail is what the checks need; the rest are not read
    return found


# -- the write events --------------------------------------------------------------------------------------------


def _page(client: Any, params: dict[str, Any]) -> dict[str, Any]:
    """One LookupEvents page (the client takes it from the account and region's LookupEvents budget, 2 a second:
    envmatrix.aws.throttle); a page still throttled after botocore's retries waits and is asked again."""
    from botocore.exceptions import ClientError

    for pause in (*BACKOFF, None):
        try:
            answer: dict[str, Any] = client.lookup_events(**params)
            return answer
        except ClientError as exc:
            if pause is None or not _throttled(exc):
                raise
            _sleep(pause)
    raise AssertionError("not reached")


def _throttled(exc: ClientError) -> bool:
    return error_code(exc) in THROTTLED


def _lookup(client: Any, window: ChangeWindow) -> tuple[list[dict[str, Any]], int, bool]:
    """Write events of the window, page by page up to the cap: (events, pages read, cap reached with more left)."""
    params: dict[str, Any] = {"LookupAttributes": [{"AttributeKey": "ReadOnly", "AttributeValue": "false"}],
                              "StartTime": window.start, "EndTime": window.end, "MaxResults": PAGE_SIZE}
    events: list[dict[str, Any]] = []
    pages, token = 0, None
    while pages < window.page_cap:
        answer = _page(client, {**params, **({"NextToken": token} if token else {})})
        pages += 1
        events.extend(answer.get("Events", []))
        token = answer.get("NextToken")
        if not token:
            return events, pages, False
    return events, pages, True


def _identifiers(data: Any, key: str = "", depth: int = 0) -> list[str]:
    """String values of the request's identifier-like keys (names, ids, ARNs), never its other contents."""
    if depth > 3:
        return []
    if isinstance(data, dict):
        return [found for name, value in data.items() for found in _identifiers(value, str(name), depth + 1)]
    if isinstance(data, list):
        return [found for value in data[:20] for found in _identifiers(value, key, depth + 1)]
    named = _IDENTIFIER_KEY.search(key) and not _NOT_IDENTIFIER.search(key)
    if named and isinstance(data, str) and 0 < len(data) <= 512 and " " not in data:
        return [data]
    return []


def _console(detail: dict[str, Any], agent: str) -> bool:
    return str(detail.get("sessionCredentialFromConsole", "")).lower() == "true" or any(
        host in agent for host in ("console.amazonaws.com", "signin.amazonaws.com"))


def trim(raw: dict[str, Any]) -> ChangeEvent:
    """A LookupEvents event as a ChangeEvent: who, what, when, from where; each text redacted, then clipped."""
    try:
        detail = json.loads(raw.get("CloudTrailEvent") or "{}")
    except ValueError:
        detail = {}  # LookupEvents' own fields still say what, when and by whom
    detail = detail if isinstance(detail, dict) else {}
    who = detail.get("userIdentity") or {}
    issuer = ((who.get("sessionContext") or {}).get("sessionIssuer") or {}).get("arn", "")
    kind = str(who.get("type", ""))
    principal = who.get("arn") or (f"{kind} {who.get('principalId', '')}".strip() if kind else "") or \
        raw.get("Username", "") or "unknown principal"
    agent = str(detail.get("userAgent", ""))
    text = [str(value) for value in (principal, issuer, who.get("invokedBy", ""), detail.get("sourceIPAddress", ""))]
    shown = [clip(redact_text(value), 200) for value in text]
    identifiers = dict.fromkeys(clip(redact_text(value), 300) for value in _identifiers(
        detail.get("requestParameters") or {}))
    return ChangeEvent(
        event_id=str(raw.get("EventId", detail.get("eventID", ""))), name=str(raw.get("EventName", "")),
        source=str(raw.get("EventSource", detail.get("eventSource", ""))),
        time=_iso(detail.get("eventTime") or raw.get("EventTime")), principal=shown[0], principal_type=kind,
        issuer=shown[1], invoked_by=shown[2], source_ip=shown[3], user_agent=clip(redact_text(agent), 120),
        console=_console(detail, agent),
        access_key=kind == "IAMUser" and str(who.get("accessKeyId", "")).startswith("AKIA"),
        error_code=clip(redact_text(str(detail.get("errorCode", ""))), 80),
        resources=tuple(clip(redact_text(str(item.get("ResourceName", ""))), 300)
                        for item in raw.get("Resources") or [] if item.get("ResourceName")),
        identifiers=tuple(list(identifiers)[:_MAX_IDENTIFIERS]))


#: ids the snapshot may hold without the environment's name in them (security groups, instances, network)
_OPAQUE_ID = re.compile(r"(^|[:/])(sg|i|vpc|subnet|eni|rtb|acl|igw|nat|db|cluster)-[0-9a-zA-Z]+$")


def mentions(names: list[str], prefixes: list[str]) -> Any:
    """Whether an event may concern the environment: a name or prefix of it, or an id only the snapshot
    resolves (the checks decide; events of other environments are not kept)."""
    def judged(event: ChangeEvent) -> bool:
        for value in (*event.resources, *event.identifiers):
            if value in names or any(name in value for name in names) or _OPAQUE_ID.search(value):
                return True
            if any(value.startswith(prefix) or f"/{prefix}" in value for prefix in prefixes):
                return True
        return False
    return judged


def _environment_names(target: AwsTarget) -> tuple[list[str], list[str]]:
    """(names matched anywhere in a value, prefixes a value starts with) of the environment's resources."""
    shared = {"env", "api_service", "worker_service", "api_container", "worker_container", "api_repository",
              "worker_repository", "bastion_tag"}
    values = dataclasses.asdict(target.names)
    prefixes = [values[key] for key in ("secret_prefix", "sg_prefix", "alarm_prefix") if values.get(key)]
    names = [str(value) for key, value in values.items() if key not in shared and key not in (
        "secret_prefix", "sg_prefix", "alarm_prefix") and len(str(value)) >= 4]
    return [name for name in [target.name_prefix, *names] if name], prefixes


def fetch(target: AwsTarget) -> ChangesInventory:
    """The trails covering the region (DescribeTrails with shadow trails: an organization's or another region's
    multi-region trail counts), each one's status and selectors until one records; then LookupEvents (ReadOnly
    false) over the run's window, under the account and region's LookupEvents budget, up to the page cap."""
    window = target.changes or default_window()
    client = target.clients.client("cloudtrail")
    region = target.clients.region
    prefix = target.name_prefix or target.names.cluster
    with reading(target.env, f"CloudTrail trails ({region})"):
        trails = _trails(client, region, prefix)
    account = str(caller(target)["Account"])
    with reading(target.env, f"CloudTrail write events ({region}, {_iso(window.start)}..{_iso(window.end)})"):
        # every environment of the run (one window object) read in this account and region (and endpoint) shares
        # the one read of the window: the events are the account's, and LookupEvents' 2 requests a second are too
        endpoint = str(getattr(client.meta, "endpoint_url", ""))
        raws, pages, truncated = _READS.get((account, region, endpoint, id(window)),
                                            lambda: _lookup(client, window), window)
    names, prefixes = _environment_names(target)
    concerned = mentions(names, prefixes)
    events = [event for event in map(trim, raws) if concerned(event)]
    return ChangesInventory(account=account, region=region, prefix=prefix, start=_iso(window.start),
                            end=_iso(window.end), window=window.label, trails=trails, events=events, pages=pages,
                            page_cap=window.page_cap, truncated=truncated)


SECTION = Section("changes", fetch, ChangesInventory, services=("cloudtrail", "sts"), operations=(
    ("cloudtrail", "DescribeTrails"),
    ("cloudtrail", "GetTrailStatus"),
    ("cloudtrail", "GetEventSelectors"),
    ("cloudtrail", "LookupEvents"),
))
