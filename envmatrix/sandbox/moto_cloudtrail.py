"""CloudTrail fidelity for the sandbox's moto server: LookupEvents over the recorded history, trails as AWS shows them.

moto 5.2 has no LookupEvents (HTTP 500). The sandbox answers it from the event history its server process records
(envmatrix/sandbox/moto_trail_log.py) the way AWS does: at most one lookup attribute, StartTime/EndTime
inclusive, newest first, at most 50 events a page (default 50) with an opaque NextToken, and AWS's validation
errors. moto also answers DescribeTrails with ``HasCustomEventSelectors: false`` after PutEventSelectors,
GetTrailStatus with empty strings for times and outcomes it never had (AWS leaves those fields out), and
GetEventSelectors with no selector for a trail whose selectors were never set (AWS: its default one, every
management event).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from envmatrix.sandbox import moto_trail_log

PAGE_MAX = 50
_ATTRIBUTES = ("EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource",
               "AccessKeyId")


def _error(code: str, message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError(code, message)


def _time(value: Any) -> dt.datetime:
    """A request's Date (epoch seconds, as botocore's JSON protocol sends it) or a record's ISO eventTime."""
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    text = str(value)
    try:
        return dt.datetime.fromtimestamp(float(text), dt.UTC)
    except ValueError:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _attribute_value(event: dict[str, Any], key: str) -> list[str]:
    user = event.get("userIdentity") or {}
    values: dict[str, list[str]] = {
        "EventId": [event["eventID"]], "EventName": [event.get("eventName", "")],
        "ReadOnly": [str(bool(event.get("readOnly"))).lower()],
        "Username": [moto_trail_log.username(user) or ""], "EventSource": [event.get("eventSource", "")],
        "AccessKeyId": [user.get("accessKeyId", "")],
        "ResourceType": [item["ResourceType"] for item in event.get("_lookup_resources", [])],
        "ResourceName": [item["ResourceName"] for item in event.get("_lookup_resources", [])],
    }
    return values[key]


def _validated(params: dict[str, Any]) -> tuple[tuple[str, str] | None, dt.datetime | None, dt.datetime | None,
                                                 int]:
    attributes = params.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise _error("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.")
    attribute = None
    if attributes:
        key, value = attributes[0].get("AttributeKey"), attributes[0].get("AttributeValue")
        if key not in _ATTRIBUTES or not isinstance(value, str) or not value:
            raise _error("InvalidLookupAttributesException", f"Invalid lookup attribute: {key}")
        if key == "ReadOnly" and value not in ("true", "false"):
            raise _error("InvalidLookupAttributesException", "ReadOnly must be true or false.")
        attribute = (key, value)
    start = _time(params["StartTime"]) if params.get("StartTime") is not None else None
    end = _time(params["EndTime"]) if params.get("EndTime") is not None else None
    if start and end and start > end:
        raise _error("InvalidTimeRangeException", "Start time must be before the end time.")
    limit = params.get("MaxResults", PAGE_MAX)
    if not isinstance(limit, int) or not 1 <= limit <= PAGE_MAX:
        raise _error("InvalidMaxResultsException", "Value for MaxResults must be between 1 and 50.")
    if params.get("EventCategory") not in (None, "insight"):
        raise _error("InvalidEventCategoryException", "Event category must be insight.")
    return attribute, start, end, limit


def _order(event: dict[str, Any]) -> tuple[dt.datetime, str]:
    return _time(event["eventTime"]), event["eventID"]


def _token(event: dict[str, Any]) -> str:
    when, event_id = _order(event)
    return base64.urlsafe_b64encode(f"{when.timestamp()}|{event_id}".encode()).decode()


def _after_token(token: str) -> tuple[dt.datetime, str]:
    try:
        stamp, event_id = base64.urlsafe_b64decode(token.encode()).decode().split("|", 1)
        return dt.datetime.fromtimestamp(float(stamp), dt.UTC), event_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise _error("InvalidNextTokenException", "Invalid NextToken.") from exc


def as_lookup_event(event: dict[str, Any]) -> dict[str, Any]:
    """One Event of LookupEvents as AWS answers it: the record itself travels as the CloudTrailEvent string."""
    record = {name: value for name, value in event.items()
              if not name.startswith("_") and not (name == "resources" and value is None)}
    answer: dict[str, Any] = {
        "EventId": event["eventID"], "EventName": event.get("eventName", ""),
        "ReadOnly": str(bool(event.get("readOnly"))).lower(),
        "EventTime": _time(event["eventTime"]).timestamp(), "EventSource": event.get("eventSource", ""),
        "Resources": list(event.get("_lookup_resources", [])), "CloudTrailEvent": json.dumps(record),
    }
    user = event.get("userIdentity") or {}
    if user.get("accessKeyId"):
        answer["AccessKeyId"] = user["accessKeyId"]
    name = moto_trail_log.username(user)
    if name:
        answer["Username"] = name
    return answer


def lookup(history: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    """LookupEvents over ``history``: filtered, newest first, one page."""
    attribute, start, end, limit = _validated(params)
    events = sorted(history, key=_order, reverse=True)
    if attribute:
        events = [e for e in events if attribute[1] in _attribute_value(e, attribute[0])]
    events = [e for e in events if (start is None or _time(e["eventTime"]) >= start)
              and (end is None or _time(e["eventTime"]) <= end)]
    if params.get("NextToken"):
        after = _after_token(params["NextToken"])
        events = [e for e in events if _order(e) < after]
    page = events[:limit]
    answer: dict[str, Any] = {"Events": [as_lookup_event(e) for e in page]}
    if len(events) > limit:
        answer["NextToken"] = _token(page[-1])
    return answer


def _lookup_events(self: Any) -> str:
    params = json.loads(self.body or "{}")
    return json.dumps(lookup(list(moto_trail_log.log_of(self.current_account, self.region)), params))


def _status_without_blanks(original: Any) -> Any:
    def description(self: Any) -> dict[str, Any]:
        return {name: value for name, value in original(self).items() if value != ""}
    description._envmatrix = True  # type: ignore[attr-defined]
    return description


def _trail_with_selectors(original: Any) -> Any:
    def description(self: Any, include_region: bool = False) -> dict[str, Any]:
        answer: dict[str, Any] = original(self, include_region)
        answer["HasCustomEventSelectors"] = bool(self.event_selectors or self.advanced_event_selectors)
        answer["HasInsightSelectors"] = bool(self.insight_selectors)
        return {name: value for name, value in answer.items() if value is not None}
    description._envmatrix = True  # type: ignore[attr-defined]
    return description


#: What AWS answers for a trail whose selectors were never set: every management event, reads and writes.
DEFAULT_SELECTORS = [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
                      "ExcludeManagementEventSources": []}]


def _selectors_with_default(original: Any) -> Any:
    def get_event_selectors(self: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        basic, advanced = original(self)
        return (basic or ([] if advanced else [dict(item) for item in DEFAULT_SELECTORS])), advanced
    get_event_selectors._envmatrix = True  # type: ignore[attr-defined]
    return get_event_selectors


def install() -> None:
    """Add LookupEvents and correct the trail answers (in this server process only)."""
    from moto.cloudtrail import models, responses

    responses.CloudTrailResponse.lookup_events = _lookup_events  # type: ignore[attr-defined]
    if not getattr(models.TrailStatus.description, "_envmatrix", False):
        models.TrailStatus.description = _status_without_blanks(  # type: ignore[method-assign]
            models.TrailStatus.description)
    if not getattr(models.Trail.get_event_selectors, "_envmatrix", False):
        models.Trail.get_event_selectors = _selectors_with_default(  # type: ignore[method-assign]
            models.Trail.get_event_selectors)
    if not getattr(models.Trail.description, "_envmatrix", False):
        models.Trail.description = _trail_with_selectors(models.Trail.description)  # type: ignore[method-assign]
