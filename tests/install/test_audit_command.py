"""`envmatrix audit`'s command line (envmatrix/jobs.py) and what the package ships (envmatrix/shipped.py), without
running pytest: the defaults, the user's options after them, the project folder found upwards, the shipped spec as
the default of a project without one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from envmatrix.config import SHIPPED_SOURCE, ProjectConfig, resolve
from envmatrix.jobs import JOBS, LAYERS, audit_command
from envmatrix.shipped import audit_ini, catalogue_paths, shipped_dir, spec_path

from .conftest import ROOT


def test_audit_runs_the_shipped_catalogue_with_the_project_as_rootdir(tmp_path: Path) -> None:
    (tmp_path / "envmatrix.toml").write_text("")
    below = tmp_path / "a" / "b"
    below.mkdir(parents=True)
    line = audit_command([], below, {})
    assert line[:3] == [sys.executable, "-m", "pytest"]
    assert line[3:6] == [f"--rootdir={tmp_path}", "-c", str(audit_ini())]
    assert line[6:8] == [str(path) for path in catalogue_paths()]
    assert line[8:] == ["-m", LAYERS, "--env=all"] and "--sandbox" not in line  # the user's own account


def test_the_users_options_come_last_and_win(tmp_path: Path) -> None:
    extra = ["--env=dev", "-m", "declared", "--reports-dir", "out"]
    line = audit_command(extra, tmp_path, {})
    assert line[-len(extra):] == extra and "--env=all" not in line  # pytest takes the last -m
    assert "--env=all" not in audit_command(["--env", "uat"], tmp_path, {})
    assert "--env=all" not in audit_command([], tmp_path, {"ENVIRONMENT": "staging"})  # as the plugin reads it


def test_make_audit_is_the_audit_job_on_the_sandbox() -> None:
    """The Makefile's main job keeps its command line; envmatrix audit shares its layers."""
    assert JOBS["audit"]({}) == ["--env=all", "--sandbox", "-m", LAYERS, "--junitxml=reports/junit.xml"]


def test_in_the_checkout_the_shipped_folders_are_the_repositorys() -> None:
    """An editable install: the checkout's own folders (tests/install/test_installed.py proves the wheel's)."""
    assert catalogue_paths() == [ROOT / "checks", ROOT / "smoke"]
    assert spec_path() == ROOT / "fixtures" / "matrix.yaml" and audit_ini().is_file()
    with pytest.raises(ValueError, match="not a shipped folder"):
        shipped_dir("tests")


def test_a_project_without_a_spec_runs_the_shipped_one(tmp_path: Path) -> None:
    setting = resolve("spec", None, ProjectConfig(), cwd=tmp_path, rootdir=tmp_path)
    assert (setting.value, setting.source) == (str(spec_path()), SHIPPED_SOURCE)
    own = tmp_path / "fixtures" / "matrix.yaml"
    own.parent.mkdir()
    own.write_text("x")
    assert resolve("spec", None, ProjectConfig(), cwd=tmp_path, rootdir=tmp_path).value == str(own)
    # Only the spec: a project's tfvars and waivers are its own, never the example's.
    assert resolve("waivers", None, ProjectConfig(), cwd=tmp_path, rootdir=tmp_path).source == "default"
    assert resolve("tfvars_root", None, ProjectConfig(), cwd=tmp_path, rootdir=tmp_path).source == "default"
