"""Drift: every application env file variable against the api and worker task definitions, key by key."""

from __future__ import annotations

import pytest

from envmatrix import Environment, check
from envmatrix.appsettings import AppSettings, Found
from envmatrix.aws.checking import ROLES, container
from envmatrix.plugin import get_suite
from envmatrix.redact import redact_value
from envmatrix.verdict import holds, show


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per variable found in any environment's env file.

    Every environment of the spec, not only the selected ones: an environment gets the same checks whatever else
    runs beside it, so sharded runs (envmatrix merge) check what one --env=all run checks. An unselected
    environment whose env file cannot be read adds nothing (its file is not this run's input).
    """
    if metafunc.definition.originalname != "test_drift_app_env":
        return
    suite = get_suite(metafunc.config)
    keys = sorted({key for env_file in suite.readable_env_files() for key in env_file.values})
    metafunc.parametrize("variable", keys)


def _declared(env: Environment, settings: AppSettings, variable: str) -> Found:
    """The env file's side: a placeholder (delivered through secrets), the typed value of the (redacted) text, or
    the documented default."""
    raw = env.env_file.values.get(variable)
    if raw == env.suite.spec.defaults.secret_placeholder:
        return Found("secrets", names=(variable,))
    values = {variable: redact_value(variable, raw)} if raw is not None else {}
    return settings.find(variable, values)


@check("DRIFT-APP-ENV", layer="drift", area="flags", row="configuration", evidence=True)
def test_drift_app_env(env: Environment, variable: str) -> None:
    """The env file's value in each container as the app reads it (pydantic-settings' typed values), or a
    placeholder delivered through ``secrets``.

    ``0`` agrees with ``false``, a JSON array with the same items in any order; a variable absent on one side
    agrees when the other side holds its documented default; a value that does not parse agrees with nothing.
    """
    settings = AppSettings.of(env.suite.spec, env.name)
    declared = _declared(env, settings, variable)
    for role in ROLES:
        resource, app = container(env, role)
        actual = settings.find(variable, app.environment, app.secrets)
        plain = declared.source == "secrets" and actual.source in ("environment", "ambiguous", "unparsed")
        env.expect(resource, variable, declared.shown(), "<plain text in environment>" if plain else actual.shown(),
                   ok=holds(declared.same_as(actual)),
                   expected_text=f"declared {show(declared.shown())} ({env.env_file.path.name})")
