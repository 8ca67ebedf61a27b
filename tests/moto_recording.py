"""Reading moto's request recorder: which operations reached the emulator (shared by the read-only proofs)."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlparse


def recorded_operations(recording: str) -> list[str]:
    """Operation names of the requests moto recorded (query, JSON, RPC-v2 and REST protocols)."""
    operations = []
    for line in filter(None, recording.splitlines()):
        entry = json.loads(line)
        headers = {k.lower(): v for k, v in entry["headers"].items()}
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode("utf-8", "replace")
        path = urlparse(entry["url"]).path
        if "x-amz-target" in headers:
            operations.append(headers["x-amz-target"].split(".")[-1])
        elif "/operation/" in path:
            operations.append(path.rsplit("/", 1)[-1])
        elif "Action=" in body:
            operations.append(parse_qs(body)["Action"][0])
        else:
            operations.append(f"{entry['method']} {path}")
    return operations
