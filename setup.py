"""The wheel's packages (pyproject.toml holds everything else): the library, and the repository's shipped checks,
smoke tests and example project mapped into it as envmatrix.checks, envmatrix.smoke and envmatrix.fixtures, so an
installed envmatrix runs them (`envmatrix audit`) while the repository keeps them at its top level. Found, not listed:
a new subpackage cannot be left out of the wheel."""

from setuptools import find_namespace_packages, find_packages, setup

#: top-level folder of the repository -> the package it is in the wheel
SHIPPED = {"checks": "envmatrix.checks", "smoke": "envmatrix.smoke", "fixtures": "envmatrix.fixtures"}


def _shipped(folder: str) -> list[str]:
    """The folder's packages under their wheel names (fixtures/ is data: folders without __init__.py)."""
    found = find_namespace_packages(folder, exclude=["*__pycache__*"]) if folder == "fixtures" else find_packages(folder)
    return [SHIPPED[folder], *(f"{SHIPPED[folder]}.{name}" for name in found)]


setup(
    packages=[*find_packages(include=["envmatrix", "envmatrix.*"]), *(p for f in SHIPPED for p in _shipped(f))],
    package_dir={package: folder for folder, package in SHIPPED.items()},
)
