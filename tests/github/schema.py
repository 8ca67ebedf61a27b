"""GitHub's published response schemas (trimmed, see github-openapi-trimmed.json) as jsonschema validators."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

TRIMMED = Path(__file__).with_name("github-openapi-trimmed.json")
ENVIRONMENT_OP = "GET /repos/{owner}/{repo}/environments/{environment_name}"
PROTECTION_OP = "GET /repos/{owner}/{repo}/branches/{branch}/protection"


@cache
def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(TRIMMED.read_text(encoding="utf-8"))
    return document


def problems(operation: str, status: int, body: Any) -> list[str]:
    """Every way ``body`` breaks the published schema of ``operation``'s ``status`` response (empty: valid)."""
    document = _document()
    response = document["operations"][operation][str(status)]
    schema = {"$schema": document["$schema"], "$defs": document["$defs"], **response}
    validator = Draft202012Validator(schema)
    return [f"{'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message}"
            for error in validator.iter_errors(body)]
