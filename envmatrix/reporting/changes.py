"""What changed in the live environments since the previous run: a key-by-key diff of two snapshot sets."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from envmatrix.redact import clip, redact_data, redact_value
from envmatrix.verdict import show

#: Keys that differ on every run by nature (when/how the snapshot was taken), not environment changes.
VOLATILE_KEYS = frozenset({"taken_at", "fetched_at", "generated_at", "captured_at", "timestamp", "run_id",
                           "duration", "duration_s", "duration_seconds", "elapsed", "elapsed_s", "api_calls",
                           "api_retries", "seconds", "setup_seconds"})
#: Durations, and the moments AWS records (a secret's creation and last rotation, the latest restorable time):
#: when, not what.
_VOLATILE_SUFFIX = re.compile(r"(^|_)(seconds|duration|elapsed|timings?|created|rotated|restorable_time)$")


def volatile(key: str) -> bool:
    """How/when a snapshot was taken (time stamps, durations, call counts), not what it saw."""
    return key in VOLATILE_KEYS or bool(_VOLATILE_SUFFIX.search(key))


#: Keys that name a list element, most stable first (generated ids and ARNs change when a resource is replaced).
_ID_KEYS = ("name", "Name", "family", "key", "Key", "port", "Port", "identifier", "Identifier", "id", "Id",
            "arn", "Arn", "ARN")
_MAX_VALUE = 200
#: Snapshot sections that are not environment state: CloudTrail's write events of a window that moves every run
#: (change control reports them itself, as CHANGE-MANUAL findings).
NOT_COMPARED = frozenset({"changes"})
#: generated ids: ARNs, EC2 ids, a load balancer's ARN tail (app/<name>/<id>, as CloudWatch dimensions hold it),
#: UUIDs (a CodeDeploy deployment group's id)
_IDENTIFIER_VALUE = re.compile(r"^((arn:aws|sg-|vpc-|subnet-|igw-|nat-|rtb-|eni-|i-|app/|net/)[\w:/.-]*"
                               r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
_IDENTIFIER_KEYS = frozenset({"arn", "Arn", "ARN", "id", "Id"})


def load_snapshots(directory: Path, environments: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """Read ``<directory>/<env>.json`` for each environment; unreadable files become notes, not crashes."""
    found: dict[str, Any] = {}
    notes: list[str] = []
    for env in environments:
        path = directory / f"{env}.json"
        if not path.is_file():
            continue
        try:
            found[env] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            notes.append(f"{env}: cannot read {path}: {exc}")
    return found, notes


def _unique(items: list[dict[str, Any]], key: str) -> bool:
    values = [item.get(key) for item in items]
    return all(isinstance(value, str | int) for value in values) and len(set(values)) == len(values)


def _list_key(items: list[Any]) -> str | None:
    """The key naming each element: a stable unique one if any (name, port, cidr...), else an id, else none."""
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    stable = [key for key in _ID_KEYS if key not in _IDENTIFIER_KEYS]
    others = sorted(str(key) for key in items[0] if key not in _ID_KEYS)
    for key in [*stable, *others]:
        if _unique(items, key) and not all(_identifier(key, item[key]) for item in items):
            return str(key)
    return next((str(key) for key in _ID_KEYS if key in _IDENTIFIER_KEYS and _unique(items, key)), None)


def _keyed_by_generated_ids(data: dict[Any, Any]) -> bool:
    """A mapping whose keys are generated ids or ARNs (a bastion's groups by id, WAF IP sets by ARN)."""
    return bool(data) and all(isinstance(key, str) and _IDENTIFIER_VALUE.match(key) for key in data)


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested JSON -> {"rds.primary.BackupRetentionPeriod": 30, "ecs.services[api].desiredCount": 5, ...}.

    A mapping keyed by generated ids is flattened as the list of its values: keyed by their stable name where they
    have one, so a re-created resource shows as a changed id, not as every setting removed and added."""
    if isinstance(data, dict) and _keyed_by_generated_ids(data):
        values = list(data.values())
        id_key = _list_key(values)
        if id_key is not None and id_key not in _IDENTIFIER_KEYS:
            return flatten(values, prefix)
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            if not volatile(str(key)):
                out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out or ({prefix: {}} if prefix else {})
    if isinstance(data, list):
        id_key = _list_key(data)
        out = {}
        for index, value in enumerate(data):
            label = str(value[id_key]) if id_key else str(index)
            out.update(flatten(value, f"{prefix}[{label}]"))
        return out or ({prefix: []} if prefix else {})
    return {prefix: data}


def _shown(path: str, value: Any) -> str:
    return clip(show(redact_value(path.rsplit(".", 1)[-1], value)), _MAX_VALUE)


def _identifier(path: str, *values: Any) -> bool:
    """An ARN or generated id: it changes when a resource is re-created, not when a setting does."""
    last = path.rsplit(".", 1)[-1].split("[", 1)[0]
    present = [v for v in values if v is not None]
    return last in _IDENTIFIER_KEYS or bool(present) and all(
        isinstance(v, str) and _IDENTIFIER_VALUE.match(v) for v in present)


def _compared(snapshot: Any) -> Any:
    return {key: value for key, value in snapshot.items() if key not in NOT_COMPARED} \
        if isinstance(snapshot, dict) else snapshot


def diff(env: str, before: Any, after: Any) -> list[dict[str, str]]:
    """Every key that was removed, added or changed; ``kind`` tells setting changes from re-created ids."""
    before, after = (_compared(snapshot) for snapshot in (before, after))
    old, new = flatten(redact_data(before)), flatten(redact_data(after))
    items = []
    for path in sorted(old.keys() | new.keys()):
        was, now = old.get(path), new.get(path)
        if path in old and path in new and was == now:
            continue
        change = "removed" if path not in new else "added" if path not in old else "changed"
        items.append({"environment": env, "change": change, "path": path,
                      "before": _shown(path, was) if path in old else "",
                      "after": _shown(path, now) if path in new else "",
                      "kind": "identifier" if _identifier(path, was, now) else "setting"})
    return items


def compare(previous: dict[str, Any], current: dict[str, Any], environments: Sequence[str],
            notes: Sequence[str] = ()) -> dict[str, Any]:
    """The "changes" section of the reports: per-environment notes plus every changed key."""
    out_notes, items = list(notes), []
    for env in environments:
        if env not in current:
            out_notes.append(f"{env}: no snapshot in this run (did the live layer run?)")
        elif env not in previous:
            out_notes.append(f"{env}: no previous snapshot to compare with (first run?)")
        else:
            found = diff(env, previous[env], current[env])
            items += found
            ids = sum(1 for item in found if item["kind"] == "identifier")
            detail = f" ({len(found) - ids} setting(s), {ids} identifier(s) of re-created resources)" if ids else ""
            out_notes.append(f"{env}: {len(found)} change(s) since the previous run{detail}" if found
                             else f"{env}: no change since the previous run")
    return {"notes": out_notes, "items": items, "count": len(items)}
