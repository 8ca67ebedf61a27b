"""envmatrix installed from its wheel (not editable) into a fresh virtualenv, run in a user's repository outside the
checkout: the wheel holds the shipped checks, smoke tests and example project; `envmatrix audit` runs them with the
repository's envmatrix.toml, from any folder of it, and the reports land in the repository's reports/ with
locations relative to it (SARIF %SRCROOT% is the repository)."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import yaml

from .conftest import ROOT, UserRepo, run_envmatrix, wheel_names

#: checkout folder -> where the wheel holds it
MAPPED = {"envmatrix": "envmatrix", "checks": "envmatrix/checks", "smoke": "envmatrix/smoke",
          "fixtures": "envmatrix/fixtures"}


def _checkout_files() -> set[str]:
    """Every file of the library, the checks, the smoke tests and the example project, under its wheel name."""
    found = set()
    for folder, target in MAPPED.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                found.add(f"{target}/{path.relative_to(ROOT / folder).as_posix()}")
    return found


def test_the_wheel_holds_every_check_smoke_test_and_the_example_project(wheel_file: Path) -> None:
    names = wheel_names(wheel_file)
    missing = sorted(_checkout_files() - names)
    assert missing == [], f"left out of the wheel (setup.py, [tool.setuptools.package-data]): {missing[:10]}"
    assert {"envmatrix/checks/declared/test_backups.py", "envmatrix/smoke/test_health.py",
            "envmatrix/fixtures/matrix.yaml", "envmatrix/sandbox/world.yaml", "envmatrix/audit.ini"} <= names
    assert not [name for name in names if name.split("/")[0] in ("checks", "smoke", "fixtures", "tests")]


def _artifacts(sarif: dict[str, object]) -> list[dict[str, str]]:
    run = sarif["runs"][0]  # type: ignore[index]
    return [location["physicalLocation"]["artifactLocation"] for result in run["results"]  # type: ignore[index]
            for location in result["locations"] if "physicalLocation" in location]


def test_audit_in_a_user_repository_reports_there_relative_to_it(
        installed_envmatrix: Path, user_repo_factory: Callable[..., UserRepo]) -> None:
    repo = user_repo_factory()
    below = repo.root / "deploy"  # run from a folder of the repository: the project is found upwards
    below.mkdir()
    run = run_envmatrix(installed_envmatrix, ["audit", "--sandbox", "--env=dev", "-m", "declared", "-p",
                                              "no:randomly"], cwd=below)
    output = run.stdout + run.stderr
    # The example's inputs as the repository's own, without the checkout's waivers: what they waive is found.
    assert run.returncode == 1, output[-3000:]
    assert f"rootdir: {repo.root}" in output, output[-3000:]
    spec = next(line for line in output.splitlines() if line.startswith("envmatrix: spec = "))
    assert spec.endswith("(shipped with envmatrix)") and str(installed_envmatrix.parent) in spec, spec
    assert "site-packages/envmatrix/checks" not in output.split("FAILURES")[-1]  # node ids relative, not absolute
    assert {"envmatrix.sarif", "junit.xml", "matrix.json"} <= {path.name for path in repo.reports.iterdir()}
    assert not (below / "reports").exists()
    sarif = json.loads((repo.reports / "envmatrix.sarif").read_text())
    base = sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == repo.root.resolve().as_uri() + "/"
    artifacts = _artifacts(sarif)
    assert artifacts and all(a.get("uriBaseId") == "%SRCROOT%" and not a["uri"].startswith("/") for a in artifacts)
    for artifact in artifacts:  # each resolves to the repository's own file
        target = Path(urllib.parse.unquote(urllib.parse.urlsplit(urllib.parse.urljoin(base, artifact["uri"])).path))
        assert target.is_file() and target.is_relative_to(repo.root.resolve()), artifact
    matrix = json.loads((repo.reports / "matrix.json").read_text())
    seed = yaml.safe_load((ROOT / "fixtures" / "waivers.yaml").read_text())["waivers"]
    waived = {(waiver["check"], waiver["env"]) for waiver in seed}
    failed = {(failure["check_id"], failure["environment"]) for failure in matrix["failures"]}
    assert failed and failed <= waived and f"{len(failed)} failed" in output, (failed, waived)
    locations = {failure["location"] for failure in matrix["failures"]}
    assert locations and all(loc.startswith("fixtures/") for loc in locations), locations
