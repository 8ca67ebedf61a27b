"""Any spelling of an option works (issue 22, item 10): `envmatrix audit` names pytest's rootdir and ini file, so
every path option runs the same as ``--opt DIR`` and ``--opt=DIR``; a plain pytest run whose rootdir a value moved
stops with one line saying to write ``--opt=DIR``. The shipped pytest settings are the repository's own."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from envmatrix.plugin import space_form
from envmatrix.shipped import audit_ini

from .conftest import ROOT, clean_env, make_user_repo

#: metavars of the options whose value is a path (a file or a folder)
PATH_METAVARS = ("PATH", "DIR", "MATRIX_JSON")


def _envmatrix_options() -> list[Any]:
    """Every option the envmatrix plugins register (their pytest_addoption on a fresh parser)."""
    parser = pytest.Parser(_ispytest=True)
    for entry in entry_points(group="pytest11"):
        if entry.value.startswith("envmatrix"):
            addoption = getattr(entry.load(), "pytest_addoption", None)
            if addoption is not None:
                addoption(parser)
    return list(parser.getgroup("envmatrix").options)


def _copy(source: Path) -> Any:
    return lambda target: (shutil.copytree if source.is_dir() else shutil.copy)(source, target)


def _text(text: str) -> Any:
    return lambda target: target.write_text(text)


#: path option -> (its value's name, how to make it): a valid value for each
VALUES: dict[str, tuple[str, Any]] = {
    "--spec": ("matrix.yaml", _copy(ROOT / "fixtures" / "matrix.yaml")),
    "--tfvars-root": ("tfvars", _copy(ROOT / "fixtures" / "tfvars")),
    "--env-root": ("env", _copy(ROOT / "fixtures" / "env")),
    "--waivers": ("waivers.yaml", _copy(ROOT / "fixtures" / "waivers.yaml")),
    "--reports-dir": ("out", Path.mkdir),
    "--checks-meta": ("checks.yaml", _text("DB-BACKUP-RETENTION:\n  owner: platform-team\n")),
    "--envmatrix-config": ("envmatrix.toml", _text('[tags]\nenvironment = "Environment"\n')),
    "--doc": ("environments.md", _text("# Environments\n")),
    "--previous-snapshots": ("snapshots", Path.mkdir),
    "--previous-results": ("matrix.json", _copy(ROOT / "tests" / "golden" / "matrix.json")),
    "--ca-bundle": ("ca.pem", _text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")),
}


def _path_values(folder: Path) -> dict[str, Path]:
    """Each path option's value, made in ``folder`` (outside the user's repository and working folder)."""
    folder.mkdir()
    for name, make in VALUES.values():
        make(folder / name)
    return {option: folder / name for option, (name, _make) in VALUES.items()}


def test_every_path_option_has_a_value_here() -> None:
    """A new path option joins the both-forms run below (or this fails): the list is read from the plugins."""
    paths = {option.names()[-1] for option in _envmatrix_options() if option.attrs().get("metavar") in PATH_METAVARS}
    assert paths == set(VALUES)


def _collect(cwd: Path, args: list[str]) -> str:
    run = subprocess.run([str(Path(sys.executable).with_name("envmatrix")), "audit", "--collect-only", "-p",
                          "no:randomly", "--env=dev", "-m", "declared", *args], cwd=cwd, env=clean_env(),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    return re.sub(r" in [0-9.]+s", " in <time>", run.stdout)


def test_audit_runs_every_path_option_the_same_in_both_forms(tmp_path: Path) -> None:
    repo = make_user_repo(tmp_path, inputs=False)
    values = _path_values(tmp_path / "elsewhere")
    spaced = [word for option, value in values.items() for word in (option, str(value))]
    joined = [f"{option}={value}" for option, value in values.items()]
    one, other = _collect(repo.root, spaced), _collect(repo.root, joined)
    assert one == other
    assert f"rootdir: {repo.root}\n" in one and re.search(r"^configfile: .*envmatrix/audit\.ini$", one, re.M)
    assert "<Package checks>" in one and "<Dir tests>" not in one  # the shipped checks, not the project's tests
    for option, setting in (("--spec", "spec"), ("--reports-dir", "reports"), ("--tfvars-root", "tfvars_root")):
        assert f"envmatrix: {setting} = {values[option]} (command line)" in one


def _plain_pytest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", "--env=dev",
                           "-m", "declared", *args], cwd=ROOT, env=clean_env(), capture_output=True, text=True,
                          timeout=120)


def test_plain_pytest_whose_rootdir_an_option_moved_stops_with_one_line(tmp_path: Path) -> None:
    spaced = _plain_pytest("--reports-dir", str(tmp_path))
    assert spaced.returncode == pytest.ExitCode.USAGE_ERROR, spaced.stdout[-2000:]
    lines = [line for line in spaced.stderr.splitlines() if line.strip()]
    # pytest's rootdir without an ini file on the way: the common ancestor of the working directory and the path it
    # took, unless that is the filesystem root (then the path itself): /tmp for a checkout cloned under /tmp
    shared = Path(os.path.commonpath([ROOT, tmp_path]))
    moved_to = tmp_path if shared == Path(shared.anchor) else shared
    assert len(lines) == 1 and f"write --reports-dir={tmp_path}" in lines[0] and f"rootdir is {moved_to} " in lines[0]
    assert "Traceback" not in spaced.stdout + spaced.stderr
    joined = _plain_pytest(f"--reports-dir={tmp_path}")
    items = [line for line in joined.stdout.splitlines() if "::" in line]
    assert joined.returncode == 0 and items, joined.stdout[-2000:]
    assert all(item.startswith("checks/declared/") for item in items), items  # the project's testpaths only


def test_space_form_names_only_options_that_take_a_value() -> None:
    options = _envmatrix_options()
    args = ["--sandbox", "checks", "--reports-dir", "/tmp/x", "--env", "dev", "--spec=a.yaml", "--doc", "-q"]
    assert space_form(options, args) == [("--reports-dir", "/tmp/x"), ("--env", "dev")]


def test_the_shipped_pytest_settings_are_the_repositorys() -> None:
    """envmatrix audit's ini (package data) holds pyproject's [tool.pytest.ini_options], testpaths aside."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(audit_ini())
    shipped = {key: " ".join(value.split()) for key, value in ini["pytest"].items()}
    own = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    expected = {key: " ".join(value) if isinstance(value, list) else str(value).lower() if isinstance(value, bool)
                else value for key, value in own.items() if key != "testpaths"}
    assert shipped == expected
