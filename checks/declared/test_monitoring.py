"""Declared monitoring: the variables full monitoring and alerting need."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.spec import EnvironmentSpec


def _needs_variables(spec: EnvironmentSpec) -> bool:
    return bool(spec.monitoring.required_variables)


@check("MON-VARIABLES", layer="declared", area="monitoring", row="monitoring", evidence=True, applies=_needs_variables)
def test_mon_variables(env: Environment) -> None:
    """Monitoring integrations (Sentry, Datadog) configured where the matrix says Full + Alerting."""
    for name in env.spec.monitoring.required_variables:
        configured = "set" if env.env_file.values.get(name) else "<missing>"
        env.expect(env.env_file.path.name, name, "set", configured, expected_text="set")
