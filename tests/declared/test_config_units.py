"""Unit tests of configuration: name templates and their sources, tag keys, short names, path templates, CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from envmatrix.cli import main
from envmatrix.config import (
    ProjectConfig,
    env_names,
    load_config,
    name_sources,
    project_root,
    run_environments,
    short_names,
    wanted_tags,
)
from envmatrix.context import Paths
from envmatrix.errors import ConfigError, UsageError
from tests.conftest import ROOT, SHIPPED

ACME = """\
[project]
name = "acme"
[tags]
environment = "env"
project = "app"
[names]
api_service = "{project}-api"
[environments.production]
short_name = "prod"
app_environment = "prod"
[environments.production.names]
db = "{env}-{project}-postgres"
"""


def _config(tmp_path: Path, text: str = ACME) -> ProjectConfig:
    path = tmp_path / "envmatrix.toml"
    path.write_text(text)
    return load_config(path)


def test_default_names_are_designs(tmp_path: Path) -> None:
    names = env_names(ProjectConfig(), "production")
    assert (names.db, names.secret("jwt-secret"), names.log_group("api")) == (
        "production-taskmanager-db", "taskmanager/production/jwt-secret", "/ecs/production-taskmanager-api")


def test_project_and_short_name_drive_every_default(tmp_path: Path) -> None:
    config = _config(tmp_path)
    names = env_names(config, "production")
    assert names.cluster == "prod-acme" and names.family("worker") == "prod-acme-worker"
    assert names.secret("database-url") == "acme/prod/database-url" and names.scalable_target("api") == \
        "service/prod-acme/acme-api"
    assert env_names(config, "staging").db == "staging-acme-db"  # no short name: the canonical one


def test_each_name_says_where_it_came_from(tmp_path: Path) -> None:
    sources = name_sources(_config(tmp_path), "production")
    assert sources["db"][0] == "prod-acme-postgres" and sources["db"][1].endswith("[environments.production.names]")
    assert sources["api_service"] == ("acme-api", f"{tmp_path / 'envmatrix.toml'} [names]")
    assert sources["cache"] == ("prod-acme-cache", "default template")


def test_tag_keys_and_values(tmp_path: Path) -> None:
    spec_tags = {"Project": "taskmanager", "CostCenter": "42"}
    assert wanted_tags(ProjectConfig(), "dev", spec_tags) == {
        "Environment": "dev", "Project": "taskmanager", "CostCenter": "42"}
    assert wanted_tags(_config(tmp_path), "production", spec_tags) == {"env": "prod", "app": "acme", "CostCenter": "42"}


def test_short_names_are_accepted_by_env(tmp_path: Path) -> None:
    environments = run_environments(_config(tmp_path), SHIPPED)
    assert short_names(_config(tmp_path)) == {"prod": "production"}
    assert environments.parse_selection(["prod,staging"]) == ["staging", "production"]
    assert environments.parse_selection(["production", "development"]) == ["dev", "production"]
    with pytest.raises(UsageError, match="valid names: dev, staging, production, development, prod, all"):
        environments.parse_selection(["stage"])


def test_path_templates_and_per_environment_files(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "m.yaml", tmp_path / "infra/{short_name}/terraform.tfvars", tmp_path / "app/{env}.env",
                  tmp_path / "w.yaml", tmp_path / "r", env_files={"dev": tmp_path / "dev.env"},
                  short_names={"production": "prod"})
    assert paths.tfvars("production") == tmp_path / "infra/prod/terraform.tfvars"
    assert paths.env_file("staging") == tmp_path / "app/staging.env" and paths.env_file("dev") == tmp_path / "dev.env"
    plain = Paths(tmp_path, tmp_path / "tf", tmp_path / "env", tmp_path, tmp_path)
    assert plain.tfvars("dev") == tmp_path / "tf/dev/terraform.tfvars"
    assert plain.env_file("dev") == tmp_path / "env/dev.env"


def test_config_paths_are_relative_to_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "acme" / "tf").mkdir(parents=True)
    (tmp_path / "tf-only-in-cwd").mkdir()
    monkeypatch.chdir(tmp_path)
    config = _config(tmp_path / "acme", '[paths]\ntfvars_root = "tf"\n')
    assert config.base_dir(Path("/nowhere")) == tmp_path / "acme"
    with pytest.raises(ConfigError, match="paths.tfvars_root: .*acme/tf-only-in-cwd does not exist"):
        _config(tmp_path / "acme", '[paths]\ntfvars_root = "tf-only-in-cwd"\n')


def test_project_root_ignores_folders_without_a_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert project_root(tmp_path / "a" / "b") == tmp_path


def test_init_writes_a_config_that_names_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--spec", str(ROOT / "fixtures" / "matrix.yaml"), "--project", "acme",
                 "--env", "production=prod", "--env", "staging=stage",
                 "--environment-tag", "env", "--project-tag", "app"]) == 0
    config = load_config(tmp_path / "envmatrix.toml")
    assert (config.project.name, config.tags.environment, config.short_name("production")) == ("acme", "env", "prod")
    assert config.app_environment("staging", "staging") == "staging"  # no env file: the long name, not the short
    assert config.app_environment("dev", "development") == "development"
    assert main(["init", "--project", "acme"]) == 2  # never overwrites without --force
    capsys.readouterr()
    assert main(["names", "--spec", str(ROOT / "fixtures" / "matrix.yaml"), "--env", "prod"]) == 1  # no inputs yet
    out = capsys.readouterr().out
    assert "production: short name prod, ENVIRONMENT=production\n" in out
    assert re.search(r"^\s*db\s+prod-acme-db\b", out, re.MULTILINE) and "(default template)" in out
    assert f"tfvars   {tmp_path}/infra/envs/prod/terraform.tfvars   MISSING: no such file" in out


def test_names_refuses_a_bad_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "envmatrix.toml").write_text('[environments.prod.names]\ndb = "x"\n')
    assert main(["names", "--spec", str(ROOT / "fixtures" / "matrix.yaml")]) == 2
    assert "environments.prod: not an environment" in capsys.readouterr().err
