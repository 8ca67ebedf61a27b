"""One run of every layer against the sandbox, with canaries planted: no secret leaves, nothing is written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from envmatrix.aws.guard import is_allowed
from envmatrix.context import Paths, Suite
from envmatrix.redact import known_secrets
from envmatrix.sandbox.runner import Sandbox, start_sandbox
from envmatrix.spec import load_spec
from tests.conftest import SHIPPED_ENVIRONMENTS
from tests.faults.actions import FaultTarget
from tests.hardening import canaries
from tests.hardening.secret_corpus import SHAPES
from tests.moto_recording import recorded_operations

ROOT = Path(__file__).resolve().parents[2]
# Secret-named variables the spec does not list: the sandbox puts them into the task definitions as plain text.
TASKDEF_LINES = {
    "STRIPE_API_KEY": f"STRIPE_API_KEY={canaries.API_KEY}",
    "ANALYTICS_URL": f"ANALYTICS_URL=https://collector:{canaries.BASIC_PASSWORD}@analytics.internal/ingest",
}
# Credentials of real-world shapes under names that say nothing: only their shape can give them away.
SHAPED = [shape for shape in SHAPES if not any(mark in shape.value for mark in ('"', "\n", " ", "#"))]
SHAPED_LINES = {f"CONFIG_{index}": f"CONFIG_{index}={shape.value}" for index, shape in enumerate(SHAPED)}
#: What must not appear anywhere: each credential whole, and its first 12 characters (a cut that came first).
SHAPED_SECRETS = tuple(piece for shape in SHAPED for secret in shape.secret for piece in {secret, secret[:12]})
OFFLINE = {"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent/envmatrix",
           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/envmatrix"}


@dataclass
class FullRun:
    root: Path
    sandbox: Sandbox
    returncode: int
    output: str
    generated: list[str]  # secrets the sandbox generated (smoke/basic-auth passwords, JWT and SM values)
    calls: list[dict[str, str]]
    recorded: list[str]


def _plant(root: Path) -> None:
    for env in SHIPPED_ENVIRONMENTS:
        path = root / "fixtures" / "env" / f"{env}.env"
        lines = [line for line in path.read_text().splitlines()
                 if line.split("=", 1)[0] not in canaries.ENV_LINES]
        path.write_text("\n".join([*lines, *canaries.ENV_LINES.values(), *TASKDEF_LINES.values(),
                                   *SHAPED_LINES.values()]) + "\n")


def _recorder(endpoint: str, action: str) -> bytes:
    method = "GET" if action == "download-recording" else "POST"
    request = urllib.request.Request(f"{endpoint}/moto-api/recorder/{action}", method=method)
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback sandbox
        return bytes(answer.read())


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FullRun]:
    root = tmp_path_factory.mktemp("full-run")
    for folder in ("fixtures", "checks", "smoke"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    _plant(root)
    with pytest.MonkeyPatch.context() as patch:
        for key, value in OFFLINE.items():
            patch.setenv(key, value)
        patch.delenv("ENVIRONMENT", raising=False)
        # moto writes its recording to the working directory unless told otherwise: keep the repo clean.
        patch.setenv("MOTO_RECORDER_FILEPATH", str(tmp_path_factory.mktemp("recorder") / "moto_recording"))
        paths = Paths(root / "fixtures/matrix.yaml", root / "fixtures/tfvars", root / "fixtures/env",
                      root / "fixtures/waivers.yaml", root / "reports")
        suite = Suite(spec=load_spec(paths.spec), paths=paths, selected=list(SHIPPED_ENVIRONMENTS))
        sandbox = start_sandbox(suite, list(SHIPPED_ENVIRONMENTS))
        try:
            assert sandbox.aws is not None
            # A canary as a stored secret value: the suite must never ask for it.
            FaultTarget(sandbox.aws, "production").client("secretsmanager").put_secret_value(
                SecretId="taskmanager/production/jwt-secret", SecretString=canaries.JWT_SECRET)
            yield _run(root, sandbox)
        finally:
            sandbox.stop()


def _run(root: Path, sandbox: Sandbox) -> FullRun:
    assert sandbox.aws is not None
    endpoint, log = sandbox.aws.endpoint, root / "aws-calls.jsonl"
    for action in ("reset-recording", "start-recording"):
        _recorder(endpoint, action)
    try:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "checks", "smoke", "--env=all", "-p", "xdist", "-n", "2",
             f"--reports-dir={root / 'reports'}", f"--junitxml={root / 'reports' / 'junit.xml'}",
             "-vv", "-rA", "--tb=long", "-p", "no:cacheprovider", "-p", "no:randomly"],
            cwd=root, capture_output=True, text=True, timeout=400,
            env={**os.environ, "ENVMATRIX_AWS_CALL_LOG": str(log), "PYTHONDONTWRITEBYTECODE": "1"},
        )
    finally:
        recording = _recorder(endpoint, "download-recording").decode("utf-8", "replace")
        _recorder(endpoint, "stop-recording")
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return FullRun(root, sandbox, run.returncode, run.stdout + run.stderr, known_secrets(), calls,
                   recorded_operations(recording))


def test_every_layer_ran_and_the_planted_canaries_made_checks_fail(full_run: FullRun) -> None:
    assert full_run.returncode == 1, full_run.output[-4000:]
    for fragment in ("FAILED checks/declared/test_security.py::test_secrets_placeholders[production]",
                     "live/test_security.py::", "smoke/", "drift/", "parity/"):
        assert fragment in full_run.output, full_run.output[-4000:]
    assert "INTERNALERROR" not in full_run.output and "Traceback" not in full_run.output
    # The live check names every variable that holds a credential by its shape, and no value.
    named = [line for line in full_run.output.splitlines()
             if "SECRETS-NO-LITERALS ecs-task-definition:production-taskmanager-api.environment" in line]
    assert named and all(f'"{name}"' in named[0] for name in SHAPED_LINES), named[:1]


def test_no_canary_or_generated_secret_in_any_output(full_run: FullRun) -> None:
    generated = tuple(value for value in full_run.generated if len(value) >= 12)
    assert len(generated) >= 6  # smoke and basic-auth passwords, JWT secrets, Secrets Manager values
    texts: dict[str, str | bytes] = {"stdout/stderr": full_run.output,
                                     **canaries.outputs_under(full_run.root, skip=("fixtures", "checks", "smoke"))}
    texts.pop("aws-calls.jsonl", None)  # the test's own call log (parameters only, checked below)
    reports = full_run.root / "reports"
    assert (reports / "matrix.json").exists() and (reports / "snapshots" / "production.json").exists()
    assert any((reports / "allure-results").glob("*-attachment*"))
    assert len(SHAPED) >= 25
    leaks = canaries.find_leaks(texts, canaries.ALL + generated + SHAPED_SECRETS)
    assert not leaks, "\n".join(f"{leak.where}: ...{leak.context}..." for leak in leaks[:10])


#: REST reads whose HTTP method is POST: Route 53 ListTagsForResources (tags of many health checks at once).
READS_SENT_AS_POST = {"POST /2013-04-01/tags/healthcheck"}


def test_only_reads_reached_aws(full_run: FullRun) -> None:
    operations = [(call["service"], call["operation"]) for call in full_run.calls]
    assert len(operations) > 30, "the live layer did not run"
    assert [op for op in operations if not is_allowed(*op)] == []
    assert len(full_run.recorded) == len(operations), (len(full_run.recorded), len(operations))
    reads = ("Describe", "List", "Get", "Lookup", "GET ", "HEAD ")
    writes = [op for op in full_run.recorded if not op.startswith(reads) and op not in READS_SENT_AS_POST]
    assert writes == [] and "GetSecretValue" not in full_run.recorded
