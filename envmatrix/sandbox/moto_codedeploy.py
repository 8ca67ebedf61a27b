"""CodeDeploy fidelity for the sandbox's moto server: a deployment group answers with the alarms it was given.

moto 5.2 stores a deployment group's ``alarmConfiguration`` from CreateDeploymentGroup but answers
GetDeploymentGroup with ``{}`` in its place (a TODO of moto's). AWS answers what was set, and the live layer
reads it (production's deployments stop and roll back on those alarms), so the sandbox plays that part as AWS does.
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    """Wrap moto's deployment-group answer (in this server process only)."""
    from moto.codedeploy import responses

    original = responses._deployment_group_info
    if getattr(original, "_envmatrix", False):
        return

    def deployment_group_info(deployment_group: Any) -> dict[str, Any]:
        info = original(deployment_group)
        info["alarmConfiguration"] = deployment_group.alarm_configuration or {}
        return info

    deployment_group_info._envmatrix = True  # type: ignore[attr-defined]
    responses._deployment_group_info = deployment_group_info
