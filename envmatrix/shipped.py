"""Where the shipped spec, checks and smoke tests are: the checkout's root, or beside the installed package."""

from __future__ import annotations

from pathlib import Path

from envmatrix.errors import UsageError

#: The package folder; in a checkout its parent is the repository root holding fixtures/, checks/, smoke/.
_PACKAGE = Path(__file__).resolve().parent


def _roots() -> tuple[Path, ...]:
    """Inside the package first (a wheel may carry them there), then beside it (the checkout, or top-level
    folders of a wheel)."""
    return (_PACKAGE, _PACKAGE.parent)


def _find(relative: str) -> Path:
    for root in _roots():
        if (root / relative).exists():
            return root / relative
    raise UsageError(f"the shipped {relative} is not beside the envmatrix package ({_PACKAGE}): "
                     "reinstall envmatrix, or give the path explicitly")


def shipped_spec_path() -> Path:
    """The shipped spec (fixtures/matrix.yaml): the documented matrix of DESIGN.md's project."""
    return _find("fixtures/matrix.yaml")


def shipped_checks_path() -> Path:
    return _find("checks")


def shipped_smoke_path() -> Path:
    return _find("smoke")
