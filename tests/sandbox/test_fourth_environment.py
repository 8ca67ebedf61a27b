"""Issue 12's proof that environments are data: a fourth environment `qa` is a spec entry, its tfvars, its env
file and its world entry — no code change — and it is audited in every layer, in --env=all, in parity and in
every report; one value broken in its tfvars turns exactly its check red, naming qa."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from envmatrix.sandbox.world import WORLD_FILE, WORLD_VARIABLE
from tests.conftest import ROOT, Outcome, read_outcome

QA_LONG = "quality-assurance"
#: What qa changes from the staging entry it is copied from: its own network and domain.
QA_TFVARS = {'vpc_cidr = "10.2.0.0/16"': 'vpc_cidr = "10.3.0.0/16"',
             '"staging.taskmanager.com"': '"qa.taskmanager.com"'}


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _after(mapping: dict[str, Any], key: str, new_key: str, value: Any) -> dict[str, Any]:
    """``mapping`` with ``new_key`` inserted right after ``key`` (the spec's order is the promotion order)."""
    out: dict[str, Any] = {}
    for name, item in mapping.items():
        out[name] = item
        if name == key:
            out[new_key] = value
    return out


def _add_to_spec(path: Path) -> None:
    """qa's spec entry: staging's, with its own long name, domain and network; by design what staging is."""
    data = _yaml(path)
    qa = copy.deepcopy(data["environments"]["staging"])
    qa.update(long_name=QA_LONG, domain_name="qa.taskmanager.com", network={"vpc_cidr": "10.3.0.0/16"})
    data["environments"] = _after(data["environments"], "dev", "qa", qa)  # dev -> qa -> staging -> production
    for table in [*data["parity"].values(), data.get("app_settings", {})]:
        for item in table.values():
            if "staging" in item["environments"]:
                item["environments"].append("qa")
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _add_files(root: Path) -> None:
    """qa's tfvars, env file, waivers (staging's known findings) and the sandbox's world entry."""
    tfvars = (root / "fixtures/tfvars/staging/terraform.tfvars").read_text()
    for old, new in QA_TFVARS.items():
        assert old in tfvars
        tfvars = tfvars.replace(old, new)
    (root / "fixtures/tfvars/qa").mkdir()
    (root / "fixtures/tfvars/qa/terraform.tfvars").write_text(tfvars)
    env_file = (root / "fixtures/env/staging.env").read_text()
    (root / "fixtures/env/qa.env").write_text(env_file.replace("ENVIRONMENT=staging", f"ENVIRONMENT={QA_LONG}"))
    waivers = _yaml(root / "fixtures/waivers.yaml")
    waivers["waivers"] += [{**item, "env": "qa"} for item in waivers["waivers"] if item["env"] == "staging"]
    (root / "fixtures/waivers.yaml").write_text(yaml.safe_dump(waivers, sort_keys=False))
    world = _yaml(WORLD_FILE)
    world["environments"] = _after(world["environments"], "dev", "qa", copy.deepcopy(world["environments"]["staging"]))
    (root / "world.yaml").write_text(yaml.safe_dump(world, sort_keys=False))


@pytest.fixture(scope="module")
def qa_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped project (checks, smoke tests, fixtures) with the fourth environment added as data."""
    root = tmp_path_factory.mktemp("qa-project")
    for name in ("fixtures", "checks", "smoke"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    _add_to_spec(root / "fixtures/matrix.yaml")
    _add_files(root)
    return root


def _run(root: Path, *args: str) -> Outcome:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
           WORLD_VARIABLE: str(root / "world.yaml")}
    env.pop("ENVIRONMENT", None)
    junit = root / "junit.xml"
    junit.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
                           "--no-allure", f"--junitxml={junit}", *args],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)
    return read_outcome(junit, done.returncode, done.stdout + done.stderr)


def _by_env(keys: set[str], env: str) -> set[str]:
    return {key.removesuffix(f"[{env}]") for key in keys if key.endswith(f"[{env}]")}


def test_a_fourth_environment_is_audited_in_every_layer_and_report(qa_project: Path) -> None:
    outcome = _run(qa_project, "--sandbox", "--env=all", "--gate")  # every layer: the main job's run
    assert outcome.returncode == 0 and outcome.failed == {}, outcome.output[-4000:]
    # qa is a copy of staging: the same checks run for it, with the same outcomes
    assert _by_env(outcome.passed, "qa") == _by_env(outcome.passed, "staging")
    assert _by_env(outcome.xfailed, "qa") == _by_env(outcome.xfailed, "staging")
    assert {"DB-BACKUP-RETENTION", "RESOURCE-TAGS", "DRIFT-APP-ENV", "PARITY-TFVARS-KEYS",
            "APP-ENVIRONMENT", "JWT-ACCESS-MINUTES"} <= _by_env(outcome.passed, "qa")
    reports = qa_project / "reports"
    model = json.loads((reports / "matrix.json").read_text())
    assert model["environments"] == ["dev", "qa", "staging", "production"]  # the spec's (promotion) order
    assert model["long_names"]["qa"] == QA_LONG
    assert model["layers"]["qa"] == ["declared", "live", "drift", "parity", "smoke"]
    assert all(row["cells"]["qa"]["status"] == row["cells"]["staging"]["status"] for row in model["rows"])
    assert model["gate"]["passed"] and (reports / "gate.txt").read_text().startswith("GATE: PASS")
    assert "| Feature | Development | Quality-Assurance | Staging | Production |" in (reports / "matrix.md").read_text()
    assert '<th scope="col" data-env="qa">Quality-Assurance</th>' in (reports / "matrix.html").read_text()
    snapshot = json.loads((reports / "snapshots" / "qa.json").read_text())
    assert snapshot["api_calls"] > 0


def test_one_value_broken_in_qa_turns_its_check_red_naming_qa(qa_project: Path) -> None:
    path = qa_project / "fixtures/tfvars/qa/terraform.tfvars"
    good = path.read_text()
    path.write_text(good.replace("db_backup_retention_days  = 14", "db_backup_retention_days  = 3"))
    try:
        broken = _run(qa_project, "--env=qa", "-m", "declared or parity")
    finally:
        path.write_text(good)
    assert broken.returncode == 1 and set(broken.failed) == {"DB-BACKUP-RETENTION[qa]"}, broken.failed
    assert ("qa DB-BACKUP-RETENTION terraform.tfvars.db_backup_retention_days: expected 14, got 3"
            in broken.failed["DB-BACKUP-RETENTION[qa]"])


def test_env_names_the_fourth_environment_by_its_long_name_and_lists_it_when_wrong(qa_project: Path) -> None:
    chosen = _run(qa_project, f"--env={QA_LONG}", "-m", "declared", "-k", "DB-BACKUP-RETENTION")
    assert chosen.passed == {"DB-BACKUP-RETENTION[qa]"}, chosen.output[-2000:]
    wrong = _run(qa_project, "--env=uat", "-m", "declared")
    assert wrong.returncode == pytest.ExitCode.USAGE_ERROR
    assert ("ERROR: --env: unknown environment 'uat'; valid names: dev, qa, staging, production, development, "
            f"{QA_LONG}, prod, all") in wrong.output
