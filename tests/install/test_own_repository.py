"""Issue 22's new team, end to end: envmatrix installed from its wheel into a fresh virtualenv, a repository of
their own outside the checkout (service `orders`, short names dev/uat/live, region eu-west-1, names
`globex-orders-<short>-...`, tag keys Stage/Service, tfvars at terraform/stacks/<short>/main.auto.tfvars, env files
at deploy/env/<short>.env), a fake account of their own (`envmatrix sandbox serve`: empty), and the README's
first-run sequence run as written there: `envmatrix init` with flags only, `envmatrix names`, `envmatrix audit`.

Every failure of that run is a real finding of their own: it names their resources, files, tag keys and region,
never a default one, and no spec line was edited by hand."""

from __future__ import annotations

import json
import re
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port

from .conftest import ROOT, clean_env, run_envmatrix

SHORT = {"dev": "dev", "staging": "uat", "production": "live"}
LONG = {"dev": "development", "staging": "staging", "production": "production"}
#: What must not appear in any failure of theirs: the shipped example's names, files, tag keys and region.
DEFAULTS = ("taskmanager", "terraform.tfvars", "fixtures/", "us-east-1", "Environment=", "Project=",
            "tag Environment", "tag Project", "/ecs/dev-", "/ecs/production-")
README = ROOT / "README.md"


def _first_run_commands() -> list[list[str]]:
    """The README's first-run block ("Your own repository, first run"), each `envmatrix ...` command split as a
    shell would: this test runs exactly what a new user copies."""
    text = README.read_text()
    section = text[text.index("## Your own repository, first run"):]
    block = section[section.index("```bash\n") + 8:section.index("```", section.index("```bash\n") + 8)]
    joined = re.sub(r"\\\n\s*", " ", block)
    lines = [line.split("#", 1)[0].strip() for line in joined.splitlines()]
    return [shlex.split(line) for line in lines if line.startswith("envmatrix ")]


def _their_inputs(root: Path) -> None:
    """Their tfvars and env files: the example's values in their layout, their region and their domain."""
    for env, short in SHORT.items():
        tfvars = (ROOT / "fixtures" / "tfvars" / env / "terraform.tfvars").read_text()
        tfvars = tfvars.replace("us-east-1", "eu-west-1").replace("taskmanager", "orders.globex")
        target = root / "terraform" / "stacks" / short / "main.auto.tfvars"
        target.parent.mkdir(parents=True)
        target.write_text(tfvars)
        variables = (ROOT / "fixtures" / "env" / f"{env}.env").read_text().replace("taskmanager", "orders.globex")
        env_file = root / "deploy" / "env" / f"{short}.env"
        env_file.parent.mkdir(parents=True, exist_ok=True)
        env_file.write_text(variables)


@pytest.fixture(scope="module")
def their_account(installed_envmatrix: Path) -> Iterator[str]:
    """Their fake account: `envmatrix sandbox serve` of the installed tool, empty, on a loopback port."""
    port = free_port()
    server = subprocess.Popen([str(installed_envmatrix / "envmatrix"), "sandbox", "serve", "--port", str(port)],
                              env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            time.sleep(0.2)
    yield endpoint
    server.send_signal(signal.SIGINT)
    server.wait(timeout=30)


def test_a_new_team_in_their_own_repository(installed_envmatrix: Path, their_account: str,
                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("globex") / "orders"
    root.mkdir()
    _their_inputs(root)
    commands = _first_run_commands()
    assert [command[:2] for command in commands] == [["envmatrix", "init"], ["envmatrix", "names"],
                                                     ["envmatrix", "audit"]], commands
    started = time.monotonic()
    outputs = []
    for command in commands:
        run = run_envmatrix(installed_envmatrix, command[1:], cwd=root, AWS_ENDPOINT_URL=their_account)
        outputs.append(run)
        if command[1] != "audit":
            assert run.returncode == 0, run.stdout + run.stderr
    seconds = time.monotonic() - started
    init, names, audit = outputs

    config = (root / "envmatrix.toml").read_text()
    settings = [line for line in config.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert len(settings) <= 12, config
    assert {"matrix.yaml", "waivers.yaml"} <= {path.name for path in root.iterdir()}
    assert "eu-west-1" in init.stdout and "main.auto.tfvars" in init.stdout, init.stdout  # what it took, and where
    assert "globex-orders-live-db" in names.stdout and "orders-api" in names.stdout, names.stdout
    assert "taskmanager" not in names.stdout, names.stdout

    output = audit.stdout + audit.stderr
    assert audit.returncode == 1, output[-4000:]  # an empty account: their findings, not an error of the tool
    matrix = json.loads((root / "reports" / "matrix.json").read_text())
    failures = [f"{failure['check_id']} {failure['message']} {failure.get('location') or ''}"
                for failure in matrix["failures"]]
    assert failures, output[-3000:]
    broken = [failure for failure in matrix["failures"] if not failure["message"].startswith(failure["environment"])]
    assert broken == [], broken[:3]  # each failure is a finding's line, never a bare exception of the tool
    named_default = [line for line in failures if any(default in line for default in DEFAULTS)]
    assert named_default == [], named_default[:5]
    terminal = [line for line in output.splitlines() if line.startswith(("FAILED", "ERROR", "envmatrix"))]
    assert not [line for line in terminal if any(default in line for default in DEFAULTS)], terminal[:10]
    assert any("globex-orders-live" in line for line in failures), failures[:5]  # their names were looked for
    assert (root / "matrix.yaml").read_text().count("# from ") >= 3  # the spec lines init took, and from where
    print(f"first run (init, names, audit of {len(matrix['failures'])} findings): {seconds:.1f} s")


def test_the_first_run_block_is_in_the_readme() -> None:
    """The block the end-to-end test runs is the README's (a renamed section would otherwise go untested)."""
    commands = _first_run_commands()
    assert commands
    flags = {token.split("=")[0] for command in commands for token in command if token.startswith("--")}
    assert {"--project", "--env", "--environment-tag", "--project-tag", "--tfvars", "--env-file", "--name-prefix",
            "--project-prefix", "--name"} <= flags, flags
