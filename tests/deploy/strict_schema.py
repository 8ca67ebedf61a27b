"""How tests/deploy/job-batch-v1.json was made (kept to remake it for a newer Kubernetes; not a test).

Source: github.com/ricoberger/kubernetes-json-schema, commit 36d89d6e89b528e5153c0d3527577d4870da3b95
(2025-09-12), schemas/job-batch-v1.json: batch/v1 Job of Kubernetes v1.34.0, made by that repository's
openapi2jsonschema with ``--expanded --kubernetes --stand-alone`` from a v1.34.0 cluster's /openapi/v2.
That run left out ``--strict``; :func:`strict` applies what ``--strict`` does (openapi2jsonschema's command.py and
util.additional_properties, the same as yannh/kubernetes-json-schema's ``*-standalone-strict`` folders, which
recreate kubectl's validation): ``additionalProperties: false`` on the root and on every object schema under its
properties that lists properties and says nothing of additional ones. :func:`trimmed` then drops the prose
(``description`` strings), which validation does not read.

Run: python -m tests.deploy.strict_schema SOURCE.json > tests/deploy/job-batch-v1.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

SOURCE = ("github.com/ricoberger/kubernetes-json-schema@36d89d6e89b528e5153c0d3527577d4870da3b95 "
          "schemas/job-batch-v1.json (Kubernetes v1.34.0, --expanded --kubernetes --stand-alone)")


def additional_properties(data: Any) -> Any:
    """openapi2jsonschema's util.additional_properties: every dict value holding ``properties`` gets
    ``additionalProperties: false`` unless it says otherwise; dict values recursed, lists not (as there)."""
    if not isinstance(data, dict):
        return data
    new = {}
    for key, value in data.items():
        if isinstance(value, dict):
            if "properties" in value and "additionalProperties" not in value:
                value["additionalProperties"] = False
            value = additional_properties(value)
        new[key] = value
    return new


def strict(specification: dict[str, Any]) -> dict[str, Any]:
    """What ``--strict`` adds to a stand-alone schema (command.py: the root, then its properties)."""
    specification["additionalProperties"] = False
    if "properties" in specification:
        specification["properties"] = additional_properties(specification["properties"])
    return specification


def trimmed(data: Any) -> Any:
    """Without ``description`` prose (a property named description is a schema, a dict: it stays)."""
    if isinstance(data, dict):
        return {key: trimmed(value) for key, value in data.items()
                if not (key == "description" and isinstance(value, str))}
    if isinstance(data, list):
        return [trimmed(item) for item in data]
    return data


def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        schema = trimmed(strict(json.load(handle)))
    note = (f"Kubernetes batch/v1 Job, standalone-strict, from {SOURCE}; made strict as openapi2jsonschema "
            f"--strict does and descriptions dropped by tests/deploy/strict_schema.py")
    json.dump({"$comment": note, **schema}, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
