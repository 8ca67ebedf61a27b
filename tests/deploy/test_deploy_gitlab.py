"""deploy/gitlab: the parallel audit's jobs are --shard auto's 1..N, and the merge runs after them whatever they
found."""

from __future__ import annotations

from typing import Any

import yaml

from envmatrix.shard import parse_shard
from tests.conftest import ROOT

PIPELINE = ROOT / "deploy/gitlab/.gitlab-ci.yml"


def _pipeline() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(PIPELINE.read_text())
    return data


def test_each_parallel_job_is_one_shard() -> None:
    audit = _pipeline()["envmatrix-audit"]
    total = audit["parallel"]
    assert any("--shard=auto" in line and "reports/shard-$CI_NODE_INDEX" in line for line in audit["script"])
    labels = [parse_shard("auto", {"CI_NODE_INDEX": str(index), "CI_NODE_TOTAL": str(total)}).label
              for index in range(1, total + 1)]
    assert labels == [f"{index}/{total}" for index in range(1, total + 1)]
    assert audit["artifacts"]["when"] == "always"


def test_the_merge_takes_every_shards_reports_even_when_one_found_something() -> None:
    pipeline = _pipeline()
    merge = pipeline["envmatrix-merge"]
    assert merge["when"] == "always"
    assert merge["needs"] == [{"job": "envmatrix-audit", "artifacts": True}]
    assert pipeline["stages"].index(merge["stage"]) > pipeline["stages"].index(pipeline["envmatrix-audit"]["stage"])
    assert merge["script"] == ["envmatrix merge reports/shard-* --out reports/merged --history off"]
