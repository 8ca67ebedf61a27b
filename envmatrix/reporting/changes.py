"""What changed in the live environments since the previous run: a key-by-key diff of two snapshot sets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from envmatrix.redact import redact_data, redact_text, redact_value
from envmatrix.verdict import show

#: Keys that differ on every run by nature (when/how the snapshot was taken), not environment changes.
VOLATILE_KEYS = frozenset({"taken_at", "fetched_at", "generated_at", "captured_at", "timestamp", "run_id",
                           "duration", "duration_s", "duration_seconds", "elapsed", "elapsed_s", "api_calls"})
_ID_KEYS = ("id", "name", "Name", "identifier", "Identifier", "arn", "Arn", "ARN", "key", "Key")
_MAX_VALUE = 200


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


def _list_key(items: list[Any]) -> str | None:
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for key in _ID_KEYS:
        values = [item.get(key) for item in items]
        if all(isinstance(value, str) for value in values) and len(set(values)) == len(values):
            return key
    return None


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested JSON -> {"rds.primary.BackupRetentionPeriod": 30, "ecs.services[api].desiredCount": 5, ...}."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key not in VOLATILE_KEYS:
                out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out or ({prefix: {}} if prefix else {})
    if isinstance(data, list):
        id_key = _list_key(data)
        out = {}
        for index, value in enumerate(data):
            label = value[id_key] if id_key else str(index)
            out.update(flatten(value, f"{prefix}[{label}]"))
        return out or ({prefix: []} if prefix else {})
    return {prefix: data}


def _shown(path: str, value: Any) -> str:
    text = redact_text(show(redact_value(path.rsplit(".", 1)[-1], value)))
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def diff(env: str, before: Any, after: Any) -> list[dict[str, str]]:
    old, new = flatten(redact_data(before)), flatten(redact_data(after))
    items = []
    for path in sorted(old.keys() | new.keys()):
        if path not in new:
            items.append({"environment": env, "change": "removed", "path": path, "before": _shown(path, old[path]),
                          "after": ""})
        elif path not in old:
            items.append({"environment": env, "change": "added", "path": path, "before": "",
                          "after": _shown(path, new[path])})
        elif old[path] != new[path]:
            items.append({"environment": env, "change": "changed", "path": path,
                          "before": _shown(path, old[path]), "after": _shown(path, new[path])})
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
            out_notes.append(f"{env}: {len(found)} change(s) since the previous run" if found
                             else f"{env}: no change since the previous run")
    return {"notes": out_notes, "items": items, "count": len(items)}
