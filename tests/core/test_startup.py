"""Start-up: a declared-only run never loads the AWS SDK, and every environment's session shares one loader."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.loaders
import pytest

from envmatrix.aws.sections import SECTIONS, warm_services
from envmatrix.aws.session import clients_for, forget_sessions, make_session, shared_loader
from envmatrix.aws.store import SnapshotStore
from envmatrix.config import AwsConfig, EnvConfig, ProjectConfig
from envmatrix.errors import InventoryUnavailable, ReadOnlyViolation
from tests.conftest import SHIPPED_ENVIRONMENTS as ENVIRONMENTS
from tests.live.conftest import offline_aws, repo_suite

ROOT = Path(__file__).resolve().parents[2]
#: The live, drift, sandbox, smoke and github layers' libraries: a run that only reads files has no use for them.
LAYER_LIBRARIES = ("boto3", "botocore", "s3transfer", "moto", "httpx", "httpcore")
LOADED = "import json, sys; print(json.dumps(sorted(m for m in {names!r} if m in sys.modules)))"


def loaded_after(code: str) -> list[str]:
    """The AWS SDK and HTTP client modules a fresh interpreter holds after running ``code`` in the project folder."""
    script = f"{code}\n{LOADED.format(names=LAYER_LIBRARIES)}"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_plugin_stack_imports_no_layer_library() -> None:
    plugins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["pytest11"]
    assert sorted(plugins.values()) and loaded_after("\n".join(f"import {m}" for m in plugins.values())) == []


def test_declared_only_run_loads_no_layer_library(tmp_path: Path) -> None:
    run = (f"import pytest\ncode = pytest.main(['--env=all', '-m', 'declared', '-q', '-p', 'no:randomly', "
           f"'--reports-dir={tmp_path}'])\nassert code == 0, code")
    assert loaded_after(run) == []
    assert (tmp_path / "matrix.json").exists()  # the run really ran and reported


def _three_accounts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ProjectConfig:
    """Each environment in an account of its own (one profile each): three sessions, nothing reachable."""
    offline_aws(monkeypatch)
    config = tmp_path / "aws-config"
    config.write_text("".join(f"[profile {env}]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
                              for env in ENVIRONMENTS))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    return ProjectConfig(aws=AwsConfig(max_attempts=1, connect_timeout=1),
                         environments={env: EnvConfig(profile=env) for env in ENVIRONMENTS})


@pytest.fixture
def parsed_models(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Service name -> how often its service model file was parsed, from a cold loader on."""
    parsed: Counter[str] = Counter()
    load = botocore.loaders.JSONFileLoader.load_file

    def counted(self: Any, file_path: str, *args: Any, **kwargs: Any) -> Any:
        if Path(file_path).name == "service-2":  # the model itself, not its .sdk-extras
            parsed[Path(file_path).parts[-3]] += 1
        return load(self, file_path, *args, **kwargs)

    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", counted)
    monkeypatch.setenv("ENVMATRIX_CACHE_DIR", "off")  # every parse counted (tests/core/test_model_cache.py: the cache)
    forget_sessions()
    shared_loader.cache_clear()
    yield parsed
    forget_sessions()


def test_three_environment_snapshot_parses_each_model_once(parsed_models: Counter[str], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    project = _three_accounts(monkeypatch, tmp_path)
    store = SnapshotStore(repo_suite(tmp_path / "reports"), project, "startup-run")
    snapshots = [store.get(env) for env in ENVIRONMENTS]
    sessions = {id(clients_for(env, project.env(env), project.aws, "us-east-1").session) for env in ENVIRONMENTS}
    assert len(sessions) == 3  # one session per account ...
    wanted = set(warm_services(SECTIONS))
    wanted.add("ce")  # Cost Explorer's section makes its own client, in its partition's region
    assert {name for name in parsed_models} == wanted
    assert set(parsed_models.values()) == {1}  # ... and each service model parsed once for all three
    assert all(snapshot.unavailable for snapshot in snapshots)  # nothing reachable: nothing read, all said


def test_every_environment_keeps_its_guard(parsed_models: Counter[str], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    project = _three_accounts(monkeypatch, tmp_path)
    for env in ENVIRONMENTS:
        rds: Any = clients_for(env, project.env(env), project.aws, "us-east-1").client("rds")
        with pytest.raises(ReadOnlyViolation, match="refused rds:ModifyDBInstance"):
            rds.modify_db_instance(DBInstanceIdentifier=f"{env}-taskmanager-db", BackupRetentionPeriod=1)
    assert set(parsed_models.values()) == {1}


def test_missing_profile_still_fails_at_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    offline_aws(monkeypatch)
    with pytest.raises(InventoryUnavailable, match="profile nowhere"):
        make_session("dev", EnvConfig(profile="nowhere"), AwsConfig(), "us-east-1")
