"""Parity: the same config structure in every environment, except the spec's by-design differences."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.appsettings import AppSettings
from envmatrix.parity import parity_gaps


@check("PARITY-TFVARS-KEYS", layer="parity", area="sla", row="config_structure", evidence=True, severity="medium")
def test_parity_tfvars_keys(env: Environment) -> None:
    """terraform.tfvars sets the same variables as the other environments."""
    keys = {name: env.suite.tfvars(name).keys() for name in env.suite.environments}
    gaps = parity_gaps(env.name, keys, env.suite.spec.parity.tfvars)
    env.expect(env.tfvars.file_name(), "keys", "same keys as the other environments", gaps or "at parity",
               ok=lambda _want, got: got == "at parity")


def _names(env: Environment, name: str) -> set[str]:
    """An environment's env-file variable names as its settings class matches them (upper case unless exact)."""
    names = env.suite.env_file(name).values
    if AppSettings.of(env.suite.spec, name).case_sensitive:
        return set(names)
    return {key.upper() for key in names}


@check("PARITY-ENV-KEYS", layer="parity", area="sla", row="config_structure", evidence=True, severity="medium")
def test_parity_env_keys(env: Environment) -> None:
    """The application env file has the same variable names as the other environments (names in any case where
    the application's settings match them so: ``log_level`` is ``LOG_LEVEL``)."""
    keys = {name: _names(env, name) for name in env.suite.environments}
    gaps = parity_gaps(env.name, keys, env.suite.spec.parity.env)
    env.expect(env.env_file.path.name, "variables", "same variables as the other environments", gaps or "at parity",
               ok=lambda _want, got: got == "at parity")
