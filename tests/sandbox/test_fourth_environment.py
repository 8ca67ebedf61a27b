"""Issue 12's proof that environments are data: a fourth environment `qa` is a spec entry, its tfvars, its env
file and its world entry — no code change — and it is audited in every layer, in --env=all, in parity and in
every report; one value broken in its tfvars turns exactly its check red, naming qa."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from envmatrix.sandbox.world import WORLD_VARIABLE
from tests.conftest import Outcome, read_outcome
from tests.scratch_project import WORLD, NewEnvironment, add_environments, copy_project

QA_LONG = "quality-assurance"
#: qa is staging's entry with its own network and domain, between dev and staging in the promotion order.
QA = NewEnvironment(name="qa", like="staging", long_name=QA_LONG, domain="qa.taskmanager.com",
                    vpc_cidr="10.3.0.0/16", after="dev")


@pytest.fixture(scope="module")
def qa_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped project (checks, smoke tests, fixtures) with the fourth environment added as data."""
    root = copy_project(tmp_path_factory.mktemp("qa-project"))
    add_environments(root, [QA])
    return root


def _run(root: Path, *args: str) -> Outcome:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
           WORLD_VARIABLE: str(root / WORLD)}
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
    header = r"| Feature | Development | Quality\-Assurance | Staging | Production |"  # a long name is escaped text
    assert header in (reports / "matrix.md").read_text()
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
