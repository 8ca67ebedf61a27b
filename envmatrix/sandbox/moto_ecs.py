"""ECS fidelity for the sandbox's moto server: an updated service's rolling deployment shows what it runs.

moto keeps an ECS service's PRIMARY deployment as ``create_service`` made it: ``update_service`` changes the
service's task definition and counts but not the deployment. On AWS a rolling update makes a new PRIMARY
deployment of the new revision, and once every task runs its ``rolloutState`` is COMPLETED. The live layer
reads the PRIMARY deployment (what runs), so the sandbox must play that part as AWS does.
"""

from __future__ import annotations

from typing import Any


def _finish_rolling_deployment(service: Any) -> None:
    """The PRIMARY deployment of an ECS-controller service mirrors the service, as AWS's would once settled."""
    if service.deployment_controller.get("type") != "ECS" or not service.deployments:
        return
    from moto.core.utils import utcnow

    deployment = service.deployments[0]
    finished = service.running_count >= service.desired_count
    deployment.update(
        taskDefinition=service.task_definition, desiredCount=service.desired_count,
        runningCount=service.running_count, pendingCount=max(service.desired_count - service.running_count, 0),
        rolloutState="COMPLETED" if finished else "IN_PROGRESS",
        rolloutStateReason=f"ECS deployment {deployment['id']} {'completed' if finished else 'in progress'}.",
        updatedAt=utcnow())


def install() -> None:
    """Wrap moto's ECS ``update_service`` (in this server process only)."""
    from moto.ecs.models import EC2ContainerServiceBackend

    original = EC2ContainerServiceBackend.update_service
    if getattr(original, "_envmatrix", False):
        return

    def update_service(self: Any, service_properties: dict[str, Any]) -> Any:
        service = original(self, service_properties)
        _finish_rolling_deployment(service)
        return service

    update_service._envmatrix = True  # type: ignore[attr-defined]
    EC2ContainerServiceBackend.update_service = update_service  # type: ignore[method-assign]
