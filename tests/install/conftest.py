"""An installed envmatrix, outside the checkout: the wheel built from this checkout, installed (not editable) into
a fresh virtualenv, and a user's repository of its own in a temporary folder.

Session-scoped and shared: building and installing cost a few seconds once. The virtualenv installs no dependency
from an index (no network): a .pth file puts this interpreter's site-packages (pytest, boto3, moto, ...) after its
own, where the only envmatrix is the wheel's; the checkout's editable install is a finder that a .pth-added folder
does not run, so `envmatrix.__file__` is inside the new virtualenv (installed_envmatrix asserts it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: What the wheel is built from (a copy: pip builds in the source folder, leaving build/ and *.egg-info behind).
SOURCES = ("pyproject.toml", "setup.py", "README.md", "envmatrix", "checks", "smoke", "fixtures")
#: Variables of the developer's shell that would point a run elsewhere.
_DROPPED = ("PYTHONPATH", "ENVIRONMENT", "VIRTUAL_ENV", "PYTEST_ADDOPTS", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY")


@pytest.fixture(scope="session")
def wheel_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's wheel, built offline with the setuptools installed here."""
    source, out = tmp_path_factory.mktemp("wheel-source"), tmp_path_factory.mktemp("wheel")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(ROOT / name, source / name)
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                          "-q", "-w", str(out), str(source)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    (wheel,) = out.glob("envmatrix-*.whl")
    return wheel


def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: none of the developer's envmatrix, AWS or Python path settings."""
    env = {key: value for key, value in os.environ.items()
           if key not in _DROPPED and not key.startswith(("ENVMATRIX_", "AWS_"))}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", **extra}


@pytest.fixture(scope="session")
def installed_envmatrix(wheel_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh virtualenv holding the wheel (non-editable); its `envmatrix` is the user's."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "envmatrix_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                          "-q", str(wheel_file)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    where = subprocess.run([str(python), "-c", "import envmatrix; print(envmatrix.__file__)"], cwd=venv,
                           env=clean_env(), capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(purelib), f"envmatrix imported from {where}, not the new virtualenv"
    return venv / "bin"


@dataclass
class UserRepo:
    """A user's repository outside the checkout: its own folder, config and inputs; reports land in it."""

    root: Path

    @property
    def reports(self) -> Path:
        return self.root / "reports"


def make_user_repo(parent: Path, *, config: str = "", inputs: bool = True) -> UserRepo:
    """A repository with ``envmatrix.toml`` (``config``; it marks the project folder) and, with ``inputs``, the
    shipped example's tfvars and env files as its own in the default layout (fixtures/tfvars, fixtures/env). No
    spec (the shipped one applies) and no waivers of its own."""
    root = parent / "user-repo"
    root.mkdir()
    (root / "envmatrix.toml").write_text(config)
    if inputs:
        for name in ("tfvars", "env"):
            shutil.copytree(ROOT / "fixtures" / name, root / "fixtures" / name)
    return UserRepo(root)


def run_envmatrix(bin_dir: Path, args: Sequence[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``envmatrix ARGS`` of that installation, as a user's shell runs it (fake AWS keys: the sandbox's)."""
    fake = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_EC2_METADATA_DISABLED": "true"}
    return subprocess.run([str(bin_dir / "envmatrix"), *args], cwd=cwd, env=clean_env(**fake, **env),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def user_repo_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., UserRepo]:
    """make_user_repo in a new temporary folder each call (outside the checkout)."""
    return lambda **kwargs: make_user_repo(tmp_path_factory.mktemp("user"), **kwargs)
