"""What envmatrix ships besides the library: the checks, the smoke tests, the example project (spec, tfvars, env
files, waivers) and the pytest settings ``envmatrix audit`` runs them with.

The repository keeps ``checks/``, ``smoke/`` and ``fixtures/`` at its top level; the wheel holds them inside the
package (setup.py maps them to ``envmatrix.checks``, ``envmatrix.smoke``, ``envmatrix.fixtures``). One lookup
serves both: the folder inside the installed package, else the checkout's folder beside it (an editable install).
"""

from __future__ import annotations

from pathlib import Path

#: The folders the repository ships at its top level and the wheel inside the package.
SHIPPED_FOLDERS = ("checks", "smoke", "fixtures")
#: The pytest settings of an audit (package data; the repository's own are pyproject's [tool.pytest.ini_options]).
AUDIT_INI = "audit.ini"
#: The example project's spec, relative to the fixtures folder (DEFAULT_PATHS' "fixtures/matrix.yaml").
SPEC = "matrix.yaml"


def package_dir() -> Path:
    return Path(__file__).resolve().parent  # this module is at the package's top level


def shipped_dir(name: str) -> Path:
    """``checks``, ``smoke`` or ``fixtures``: inside the installed package, else beside it in the checkout."""
    if name not in SHIPPED_FOLDERS:
        raise ValueError(f"not a shipped folder: {name!r}; one of {', '.join(SHIPPED_FOLDERS)}")
    inside = package_dir() / name
    return inside if inside.is_dir() else package_dir().parent / name


def catalogue_paths() -> list[Path]:
    """The whole catalogue: every check and smoke test (what `envmatrix audit` collects)."""
    return [shipped_dir("checks"), shipped_dir("smoke")]


def spec_path() -> Path:
    """The shipped spec (the seed document's matrix): the spec a project without its own runs against."""
    return shipped_dir("fixtures") / SPEC


def audit_ini() -> Path:
    return package_dir() / AUDIT_INI
