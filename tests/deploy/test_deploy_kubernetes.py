"""deploy/kubernetes: the Indexed Job and the merge Job are valid batch/v1 Jobs by the published Kubernetes schema
(v1.34, standalone-strict: an unknown or misspelt key fails), and the audit Job's shards fit --shard auto."""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from envmatrix.shard import parse_shard
from tests.conftest import ROOT

SCHEMA = Path(__file__).with_name("job-batch-v1.json")
AUDIT = ROOT / "deploy/kubernetes/envmatrix-indexed-job.yaml"
MERGE = ROOT / "deploy/kubernetes/envmatrix-merge-job.yaml"


@functools.cache
def _validator() -> jsonschema.Draft7Validator:
    """Draft 7: the schema's ``$schema`` names no draft (``http://json-schema.org/schema#``); it uses nothing later."""
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _job(path: Path) -> dict[str, Any]:
    documents = [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    assert len(documents) == 1, f"{path}: one Job per file"
    job: dict[str, Any] = documents[0]
    return job


def _errors(job: dict[str, Any]) -> list[str]:
    return [f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
            for error in _validator().iter_errors(job)]


def _container(job: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = job["spec"]["template"]["spec"]["containers"][0]
    return container


def test_the_vendored_schema_is_strict_and_knows_indexed_jobs() -> None:
    schema = json.loads(SCHEMA.read_text())
    assert schema["additionalProperties"] is False
    spec = schema["properties"]["spec"]
    assert spec["additionalProperties"] is False
    assert "Indexed" in spec["properties"]["completionMode"]["enum"]
    assert "v1.34.0" in schema["$comment"]


@pytest.mark.parametrize("path", [AUDIT, MERGE], ids=["indexed-job", "merge-job"])
def test_the_manifests_are_valid_batch_v1_jobs(path: Path) -> None:
    job = _job(path)
    assert (job["apiVersion"], job["kind"]) == ("batch/v1", "Job")
    assert _errors(job) == []


@pytest.mark.parametrize(("where", "right", "typo"), [
    (("spec",), "completionMode", "completionmode"),
    (("spec", "template", "spec"), "serviceAccountName", "serviceAccount_name"),
    (("spec", "template", "spec", "containers", 0), "volumeMounts", "volumeMount"),
])
def test_a_typo_in_a_key_fails_the_schema(where: tuple[str | int, ...], right: str, typo: str) -> None:
    job = copy.deepcopy(_job(AUDIT))
    holder: Any = job
    for step in where:
        holder = holder[step]
    holder[typo] = holder.pop(right)
    errors = _errors(job)
    assert any(f"'{typo}' was unexpected" in error for error in errors), errors


def test_a_wrong_value_fails_the_schema() -> None:
    job = copy.deepcopy(_job(AUDIT))
    job["spec"]["completionMode"] = "indexed"
    job["spec"]["parallelism"] = "4"
    errors = _errors(job)
    assert any(error.startswith("spec.completionMode") for error in errors), errors
    assert any(error.startswith("spec.parallelism") for error in errors), errors


def test_every_expanded_variable_is_defined_in_the_containers_env() -> None:
    """Kubernetes expands $(VAR) in command and args only for variables the container's env defines."""
    container = _container(_job(AUDIT))
    used = set(re.findall(r"\$\((\w+)\)", " ".join(container["command"] + container["args"])))
    assert used == {"JOB_COMPLETION_INDEX"}
    defined = {item["name"]: item for item in container["env"]}
    assert used <= set(defined)
    assert defined["JOB_COMPLETION_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"] == (
        "metadata.annotations['batch.kubernetes.io/job-completion-index']")


def test_each_pod_is_one_shard_of_as_many_as_the_job_completes() -> None:
    job = _job(AUDIT)
    spec, container = job["spec"], _container(job)
    assert spec["completionMode"] == "Indexed"
    assert spec["completions"] == spec["parallelism"] == 4
    count = next(item["value"] for item in container["env"] if item["name"] == "ENVMATRIX_SHARD_COUNT")
    assert int(count) == spec["completions"]
    assert "--shard=auto" in container["args"]
    labels = [parse_shard("auto", {"JOB_COMPLETION_INDEX": str(index), "ENVMATRIX_SHARD_COUNT": count}).label
              for index in range(spec["completions"])]
    assert labels == ["1/4", "2/4", "3/4", "4/4"]
    mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
    assert "/reports" in mounts and "--reports-dir=/reports/shard-$(JOB_COMPLETION_INDEX)" in container["args"]
    assert job["spec"]["template"]["spec"]["serviceAccountName"] == "envmatrix-readonly"


def test_the_merge_job_reads_the_shards_folders_from_the_same_claim() -> None:
    audit, merge = _job(AUDIT), _job(MERGE)
    claims = [job["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"]
              for job in (audit, merge)]
    assert claims[0] == claims[1]
    assert "envmatrix merge /reports/shard-* --out /reports/merged" in " ".join(_container(merge)["command"])
