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


def _settle(service: Any) -> None:
    """A created service as AWS shows it once its tasks started: running = desired, the rollout COMPLETED."""
    service.running_count, service.pending_count = service.desired_count, 0
    _finish_rolling_deployment(service)


def install_create_fixes(*, settled: bool) -> None:
    """``create_service`` keeps its ``deploymentConfiguration`` (the circuit breaker; moto drops it until
    ``update_service``) and, where ``settled``, starts with every task running (moto: 0, unless
    ``MOTO_ECS_SERVICE_RUNNING``). The embedded sandbox leaves a created service unsettled: its fault catalogue
    plays a rollout in progress by recreating a service; a user's own provisioning (``sandbox serve``) wants the
    steady state a real account shows."""
    from moto.ecs.responses import EC2ContainerServiceResponse

    original = EC2ContainerServiceResponse.create_service
    if getattr(original, "_envmatrix", False):
        return

    def create_service(self: Any) -> Any:
        result = original(self)
        service = self.ecs_backend.describe_services(
            self._get_param("cluster", "default"), [self._get_param("serviceName")])[0][0]
        configuration = self._get_param("deploymentConfiguration")
        if configuration is not None:
            service.deployment_configuration = configuration
        if settled:
            _settle(service)
        return result

    create_service._envmatrix = True  # type: ignore[attr-defined]
    EC2ContainerServiceResponse.create_service = create_service  # type: ignore[method-assign]
