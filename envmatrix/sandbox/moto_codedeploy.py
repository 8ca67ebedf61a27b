"""CodeDeploy fidelity for the sandbox's moto server: alarms answered as set, and UpdateDeploymentGroup.

moto 5.2 stores a deployment group's ``alarmConfiguration`` from CreateDeploymentGroup but answers
GetDeploymentGroup with ``{}`` in its place (a TODO of moto's). AWS answers what was set, and the live layer
reads it (production's deployments stop and roll back on those alarms), so the sandbox plays that part as AWS does.
moto also lacks UpdateDeploymentGroup, which the fault catalogue uses to misconfigure the group as an operator
would; the settings the live layer reads are updated as AWS updates them.
"""

from __future__ import annotations

from typing import Any

#: UpdateDeploymentGroup parameter -> the attribute moto keeps it in.
UPDATABLE: dict[str, str] = {
    "deploymentConfigName": "deployment_config_name", "alarmConfiguration": "alarm_configuration",
    "autoRollbackConfiguration": "auto_rollback_configuration", "deploymentStyle": "deployment_style",
    "ecsServices": "ecs_services",
}


def _update_deployment_group(self: Any) -> Any:
    from moto.core.responses import ActionResult

    group = self.codedeploy_backend.get_deployment_group(
        application_name=self._get_param("applicationName"),
        deployment_group_name=self._get_param("currentDeploymentGroupName"))
    for parameter, attribute in UPDATABLE.items():
        value = self._get_param(parameter)
        if value is not None:
            setattr(group, attribute, value)
    return ActionResult({"hooksNotCleanedUp": []})


def install() -> None:
    """Wrap moto's deployment-group answer and add UpdateDeploymentGroup (in this server process only)."""
    from moto.codedeploy import responses

    responses.CodeDeployResponse.update_deployment_group = _update_deployment_group  # type: ignore[attr-defined]

    original = responses._deployment_group_info
    if getattr(original, "_envmatrix", False):
        return

    def deployment_group_info(deployment_group: Any) -> dict[str, Any]:
        info = original(deployment_group)
        info["alarmConfiguration"] = deployment_group.alarm_configuration or {}
        return info

    deployment_group_info._envmatrix = True  # type: ignore[attr-defined]
    responses._deployment_group_info = deployment_group_info
