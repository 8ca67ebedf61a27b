"""Scrubbing an inventory snapshot (AWS or GitHub) before it is written: every string redacted, keys too."""

from __future__ import annotations

from typing import Any

from envmatrix.redact import redact_text


def scrub(data: Any) -> Any:
    """Scrub credentials from every string of a snapshot, keys too (secret-named values and tags are redacted at
    fetch time; the snapshot's own field names are not secret names, so only shapes and known values count here)."""
    if isinstance(data, dict):
        return {redact_text(key) if isinstance(key, str) else key: scrub(value) for key, value in data.items()}
    if isinstance(data, list):
        return [scrub(item) for item in data]
    return redact_text(data) if isinstance(data, str) else data
