"""envmatrix merge of --shard runs: each shard once, of one split, none missing (one error line naming it, exit 2);
a complete split merges to "merged from N shards", an empty shard included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from envmatrix.cli import main
from envmatrix.reporting.merge import MergeConflict, RunReports, check_shards
from envmatrix.reporting.model import Matrix
from tests.conftest import ROOT

SPEC = ROOT / "fixtures" / "matrix.yaml"


def _run(directory: str, shard: str | None, environments: list[str], exit_status: int = 0) -> RunReports:
    meta: dict[str, Any] = {"environments": environments, "pytest_exit_status": exit_status}
    if shard is not None:
        meta["shard"] = shard
    return RunReports(Path(directory), Matrix.model_construct(meta=meta))


def test_every_shard_of_one_split_merges_and_says_how_many() -> None:
    runs = [_run(f"/r/{k}", f"{k}/3", [env]) for k, env in enumerate(("dev", "staging", "production"), start=1)]
    assert check_shards(runs) == 3


def test_a_missing_shard_is_named() -> None:
    runs = [_run("/r/1", "1/4", ["dev"]), _run("/r/2", "2/4", ["staging"]), _run("/r/4", "4/4", [])]
    with pytest.raises(MergeConflict, match=r"^shard 3/4 is missing \(given: 1/4, 2/4, 4/4\); merge every shard's "
                                            r"reports$"):
        check_shards(runs)
    with pytest.raises(MergeConflict, match=r"^shard 2/4, 3/4, 4/4 are missing \(given: 1/4\)"):
        check_shards(runs[:1])


def test_the_same_shard_twice_is_refused_naming_both() -> None:
    runs = [_run("/r/a", "2/4", ["staging"]), _run("/r/b", "2/4", ["staging"])]
    with pytest.raises(MergeConflict, match=r"^shard 2/4 is in both /r/a and /r/b$"):
        check_shards(runs)


def test_shards_of_two_splits_are_refused() -> None:
    runs = [_run("/r/0", "1/3", ["dev"]), _run("/r/3", "4/4", [])]
    with pytest.raises(MergeConflict, match=r"^/r/0 is shard 1/3, /r/3 is shard 4/4: merge the shards of one split$"):
        check_shards(runs)


def test_runs_that_are_not_all_shards_merge_as_runs() -> None:
    assert check_shards([_run("/r/dev", None, ["dev"]), _run("/r/s", None, ["staging"])]) is None
    assert check_shards([_run("/r/dev", None, ["dev"]), _run("/r/2", "2/2", ["staging"])]) is None


def test_an_empty_shards_exit_5_is_a_clean_end_and_nothing_else_is() -> None:
    assert _run("/r/4", "4/4", [], exit_status=5).ended_cleanly
    assert not _run("/r/x", None, [], exit_status=5).ended_cleanly
    assert not _run("/r/3", "3/4", ["production"], exit_status=5).ended_cleanly
    assert not _run("/r/1", "1/4", ["dev"], exit_status=1).ended_cleanly


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The shipped declared checks as four shards (the fourth holds no environment), one after another."""
    base = tmp_path_factory.mktemp("declared-shards")
    env = {key: value for key, value in os.environ.items() if key != "ENVIRONMENT"}
    folders = []
    for index in range(1, 5):
        folder = base / f"shard-{index}"
        done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
                               "-p", "no:xdist", "--env=all", "-m", "declared", f"--shard={index}/4", "--history=off",
                               f"--reports-dir={folder}", f"--junitxml={folder / 'junit.xml'}", "-q"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout[-2000:]
        folders.append(folder)
    return folders


def test_four_shards_one_empty_merge_into_one_report(shards: list[Path], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "merged"
    code = main(["merge", *map(str, shards), "--out", str(out), "--spec", str(SPEC), "--history", "off"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert printed.startswith("envmatrix merge: 4 shards (dev, staging, production) -> ")
    model = json.loads((out / "matrix.json").read_text())
    assert model["meta"]["shards"] == 4 and "shard" not in model["meta"]
    assert model["environments"] == ["dev", "staging", "production"]
    assert "merged from **4 shards**" in (out / "matrix.md").read_text()
    assert 'no environment]"' in (out / "junit.xml").read_text()  # the empty shard's suite says it held none


def test_a_merge_missing_a_shard_fails_naming_it(shards: list[Path], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["merge", str(shards[0]), str(shards[1]), str(shards[3]), "--out", str(tmp_path / "merged"),
                 "--spec", str(SPEC)])
    assert code == 2
    assert capsys.readouterr().err == ("envmatrix: error: shard 3/4 is missing (given: 1/4, 2/4, 4/4); merge every "
                                       "shard's reports\n")
    assert not (tmp_path / "merged").exists()
