"""--shard in a real session of the shipped declared checks: only the shard's environments run (in xdist workers
too), the header names them, the report records the shard, and a shard with no environment exits 0 having said so."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import ROOT

INPUTS = [f"--spec={ROOT / 'fixtures/matrix.yaml'}", f"--tfvars-root={ROOT / 'fixtures/tfvars'}",
          f"--env-root={ROOT / 'fixtures/env'}", "-p", "no:randomly", "--no-allure", "--history=off", "-m", "declared",
          str(ROOT / "checks")]


def _environments_run(junit: Path) -> set[str]:
    names = [case.get("name", "") for case in ET.parse(junit).getroot().iter("testcase")]
    return {name.rsplit("[", 1)[1].rstrip("]") for name in names if "[" in name}


def test_workers_run_only_the_shards_environments_and_the_header_says_which(pytester: pytest.Pytester) -> None:
    reports = pytester.path / "reports"
    result = pytester.runpytest_subprocess("--env=all", "--shard=2/3", "-n", "2", f"--reports-dir={reports}",
                                           f"--junitxml={reports / 'junit.xml'}", *INPUTS)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-2000:]
    # the shipped three are read in one account and region: three shards cut that group in three parts
    result.stdout.fnmatch_lines(["envmatrix: shard 2/3: staging (accounts/regions: us-east-1 part 2 of 3)"])
    assert _environments_run(reports / "junit.xml") == {"staging"}
    meta = json.loads((reports / "matrix.json").read_text())["meta"]
    assert (meta["shard"], meta["environments"]) == ("2/3", ["staging"])
    assert "shard **2/3**" in (reports / "matrix.md").read_text()


def test_a_shard_with_no_environment_runs_nothing_says_so_and_exits_0(pytester: pytest.Pytester) -> None:
    reports = pytester.path / "reports"
    result = pytester.runpytest_subprocess("--env=all", "--shard=4/4", "-q", f"--reports-dir={reports}",
                                           f"--junitxml={reports / 'junit.xml'}", *INPUTS)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["envmatrix: shard 4/4: no environments (3 selected environment(s) in 1 "
                                 "account/region group(s) fill fewer than 4 shards): nothing to run"])
    assert "passed" not in result.stdout.str()
    meta = json.loads((reports / "matrix.json").read_text())["meta"]
    assert (meta["shard"], meta["environments"], meta["pytest_exit_status"]) == ("4/4", [], 5)
    assert _environments_run(reports / "junit.xml") == set()


def test_the_variable_shards_a_run_without_the_option(pytester: pytest.Pytester,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVMATRIX_SHARD", "auto")
    monkeypatch.setenv("CI_NODE_INDEX", "3")
    monkeypatch.setenv("CI_NODE_TOTAL", "3")
    result = pytester.runpytest_subprocess("--env=all", "--collect-only", *INPUTS)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["envmatrix: shard 3/3: production (accounts/regions: us-east-1 part 3 of 3)"])
    assert "[dev]" not in result.stdout.str() and "[production]" in result.stdout.str()
