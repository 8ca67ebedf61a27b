"""Drift: every application env file variable against the api and worker task definitions, key by key."""

from __future__ import annotations

import pytest

from envmatrix import Environment, check
from envmatrix.aws.checking import ROLES, container
from envmatrix.plugin import get_suite
from envmatrix.redact import redact_value
from envmatrix.verdict import show

FROM_SECRETS = "<delivered through secrets>"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per variable found in any selected environment's env file."""
    if metafunc.definition.originalname != "test_drift_app_env":
        return
    suite = get_suite(metafunc.config)
    keys = sorted({key for env in suite.selected for key in suite.env_file(env).values})
    metafunc.parametrize("variable", keys)


@check("DRIFT-APP-ENV", layer="drift", area="flags", row="deployment")
def test_drift_app_env(env: Environment, variable: str) -> None:
    """The env file's value in each container: the same text, or a placeholder delivered through ``secrets``."""
    placeholder = env.suite.spec.defaults.secret_placeholder
    raw = env.env_file.values.get(variable)
    declared = FROM_SECRETS if raw == placeholder else redact_value(variable, raw)
    for role in ROLES:
        resource, app = container(env, role)
        if variable in app.secrets:
            actual = FROM_SECRETS
        elif declared == FROM_SECRETS and variable in app.environment:
            actual = "<plain text in environment>"
        else:
            actual = app.environment.get(variable)
        env.expect(resource, variable, declared, actual,
                   expected_text=f"declared {show(declared)} ({env.env_file.path.name})")
