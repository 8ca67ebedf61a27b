"""deploy/aws-batch: the job definition and the two SubmitJob requests are valid parameters of AWS Batch's API
(botocore validates them against the service model before its Stubber answers; a misspelt key fails), the array's
size is the shard count, and the merge depends on the array job."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ParamValidationError
from botocore.stub import Stubber

from envmatrix.shard import parse_shard
from tests.conftest import ROOT

BATCH = ROOT / "deploy/aws-batch"
ARN = "arn:aws:batch:us-east-1:123456789012:job-definition/envmatrix-audit:1"
#: file -> (operation, what AWS Batch answers it, as its API reference shows)
FILES: dict[str, tuple[str, dict[str, Any]]] = {
    "job-definition.json": ("register_job_definition", {"jobDefinitionName": "envmatrix-audit",
                                                        "jobDefinitionArn": ARN, "revision": 1}),
    "submit-job.json": ("submit_job", {"jobName": "envmatrix-audit", "jobId": "876da822-4198-45f2-a252-6cea32512ea8",
                                       "jobArn": "arn:aws:batch:us-east-1:123456789012:job/876da822"}),
    "submit-merge-job.json": ("submit_job", {"jobName": "envmatrix-merge",
                                             "jobId": "5f3e8a2c-93a0-4a77-8a43-4f2c9f3f0c11",
                                             "jobArn": "arn:aws:batch:us-east-1:123456789012:job/5f3e8a2c"}),
}


def _params(name: str) -> dict[str, Any]:
    params: dict[str, Any] = json.loads((BATCH / name).read_text())
    return params


@pytest.fixture
def batch(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Stubber]]:
    """A real AWS Batch client (fake credentials) whose every answer comes from its Stubber: nothing leaves."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    client = boto3.client("batch", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber


@pytest.mark.parametrize("name", FILES)
def test_the_file_is_what_aws_batch_accepts(batch: tuple[Any, Stubber], name: str) -> None:
    client, stubber = batch
    operation, answer = FILES[name]
    params = _params(name)
    stubber.add_response(operation, answer, expected_params=params)
    assert getattr(client, operation)(**params)["jobDefinitionArn" if "definition" in name else "jobId"]
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(("name", "path", "typo"), [
    ("job-definition.json", ("containerProperties",), "jobRoleARN"),
    ("job-definition.json", (), "containerProperty"),
    ("submit-job.json", ("arrayProperties",), "length"),
    ("submit-merge-job.json", (), "dependOn"),
])
def test_a_typo_in_a_key_fails_validation(batch: tuple[Any, Stubber], name: str, path: tuple[str, ...],
                                          typo: str) -> None:
    client, stubber = batch
    operation, answer = FILES[name]
    params = copy.deepcopy(_params(name))
    holder = params
    for step in path:
        holder = holder[step]
    right = {"jobRoleARN": "jobRoleArn", "containerProperty": "containerProperties", "length": "size",
             "dependOn": "dependsOn"}[typo]
    holder[typo] = holder.pop(right)
    stubber.add_response(operation, answer)
    with pytest.raises(ParamValidationError, match=f'Unknown parameter in .*"{typo}"'):
        getattr(client, operation)(**params)


def test_a_wrong_type_fails_validation(batch: tuple[Any, Stubber]) -> None:
    client, stubber = batch
    params = copy.deepcopy(_params("submit-job.json"))
    params["arrayProperties"]["size"] = "4"
    stubber.add_response("submit_job", FILES["submit-job.json"][1])
    with pytest.raises(ParamValidationError, match="arrayProperties.size"):
        client.submit_job(**params)


def _environment(items: list[dict[str, str]]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in items}


def test_the_array_is_as_big_as_the_shard_count_and_each_child_is_one_shard() -> None:
    definition, submit = _params("job-definition.json"), _params("submit-job.json")
    size = submit["arrayProperties"]["size"]
    count = _environment(submit["containerOverrides"]["environment"])["ENVMATRIX_SHARD_COUNT"]
    assert int(count) == size == int(_environment(definition["containerProperties"]["environment"])[
        "ENVMATRIX_SHARD_COUNT"])
    labels = [parse_shard("auto", {"AWS_BATCH_JOB_ARRAY_INDEX": str(index), "ENVMATRIX_SHARD_COUNT": count}).label
              for index in range(size)]
    assert labels == [f"{index}/{size}" for index in range(1, size + 1)]
    assert definition["containerProperties"]["command"] == ["envmatrix-batch", "audit"]
    assert definition["containerProperties"]["jobRoleArn"].endswith(":role/envmatrix-readonly")


def test_the_merge_depends_on_the_array_job_and_reads_the_same_prefix() -> None:
    submit, merge = _params("submit-job.json"), _params("submit-merge-job.json")
    assert [set(dependency) for dependency in merge["dependsOn"]] == [{"jobId"}]  # every child, not N_TO_N
    assert merge["containerOverrides"]["command"] == ["envmatrix-batch", "merge"]
    prefix = "ENVMATRIX_REPORTS_S3"
    assert (_environment(merge["containerOverrides"]["environment"])[prefix]
            == _environment(submit["containerOverrides"]["environment"])[prefix])


def test_the_entrypoint_syncs_reports_and_lets_findings_reach_the_merge() -> None:
    script = (BATCH / "entrypoint.sh").read_text()
    assert "envmatrix audit --shard=auto" in script and 'aws s3 sync "$work/shard-$index"' in script
    assert '[ "$status" -le 1 ] || exit "$status"' in script  # exit 1 (findings): the child succeeds
    assert 'envmatrix merge "$work"/shard-* --out "$work/merged"' in script
    assert Path(BATCH / "entrypoint.sh").stat().st_mode & 0o111
