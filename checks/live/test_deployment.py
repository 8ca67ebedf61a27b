"""Live deployment evidence: rollouts finished, blue/green in production, rollback on failure, what images run."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.aws.checking import ROLES, present, service, task_definition
from envmatrix.aws.codedeploy import CodeDeployInventory, DeploymentGroup
from envmatrix.aws.ecr import SEVERITIES, UNKNOWN_SCANNING, EcrInventory, Image
from envmatrix.aws.ecs import TASK_SET_CONTROLLERS, Rollout
from envmatrix.spec import EnvironmentSpec

#: AWS's own words for a finished rollout (states of the API, not values of the matrix).
FINISHED_ROLLOUT = "COMPLETED"  # Deployment.rolloutState
STEADY_TASK_SET = "STEADY_STATE"  # TaskSet.stabilityStatus
#: A deployment that has been completely replaced; it runs nothing.
GONE = "INACTIVE"


def _shown(rollout: Rollout) -> str:
    return f"{rollout.status} {rollout.task_definition.rsplit('/', 1)[-1]}"


@check("ECS-ROLLOUT", layer="live", area="sla", row="deployment", severity="high")
def test_ecs_rollout(env: Environment) -> None:
    """Each service's rollout has finished: one deployment (or task set), running = desired, rolloutState COMPLETED."""
    for role in ROLES:
        resource, found = service(env, role)
        current = [rollout for rollout in found.rollouts if rollout.status != GONE]
        kind = "taskSets" if found.controller in TASK_SET_CONTROLLERS else "deployments"
        shown = [_shown(rollout) for rollout in current]
        env.expect(resource, kind, "one (the rollout finished)", shown or "none",
                   ok=lambda _w, got: got == "none" or len(got) == 1)
        env.expect(resource, "runningCount", found.desired_count, found.running_count,
                   expected_text=f"desiredCount {found.desired_count}")
        for rollout in current:
            if rollout.rollout_state is not None:
                env.expect(f"{resource}/deployment:{rollout.id}", "rolloutState", FINISHED_ROLLOUT,
                           rollout.rollout_state)
            if rollout.stability_status is not None:
                env.expect(f"{resource}/task-set:{rollout.id}", "stabilityStatus", STEADY_TASK_SET,
                           rollout.stability_status)


# --- how each environment is deployed (the Deployment row) ---------------------------------------------------
#: AWS's words for a blue/green CodeDeploy group (deploymentStyle), not values of the matrix.
BLUE_GREEN_STYLE = "BLUE_GREEN WITH_TRAFFIC_CONTROL"
CODE_DEPLOY = "CODE_DEPLOY"  # ECS deploymentController.type
#: Scan states of an image that has been scanned (basic: COMPLETE; enhanced: ACTIVE, scanned continuously).
SCANNED = ("COMPLETE", "ACTIVE")
#: The one tag mutability that never moves a tag (the *_WITH_EXCLUSION forms let some tags move).
IMMUTABLE = "IMMUTABLE"


def _blue_green(spec: EnvironmentSpec) -> bool:
    return spec.deployment.blue_green is not None


def _rolling_rollback(spec: EnvironmentSpec) -> bool:
    return spec.deployment.rolling_rollback


def _images(spec: EnvironmentSpec) -> bool:
    return spec.deployment.images is not None


def _group(env: Environment) -> tuple[str, DeploymentGroup]:
    names = env.live.names
    resource = f"codedeploy:{names['codedeploy_application']}/{names['api_deployment_group']}"
    return resource, present(env, env.live.section(CodeDeployInventory).group, resource)


@check("DEPLOY-BLUE-GREEN", layer="live", area="sla", row="deployment", applies=_blue_green,
       evidence=True)
def test_deploy_blue_green(env: Environment) -> None:
    """The api service is deployed blue/green by CodeDeploy: controller CODE_DEPLOY and a blue/green group for it."""
    resource, api = service(env, "api")
    env.expect(resource, "deploymentController.type", CODE_DEPLOY, api.controller)
    group_resource, group = _group(env)
    wanted = f"{env.live.names['cluster']}/{api.name}"
    env.expect(group_resource, "ecsServices", wanted, group.services or "none",
               ok=lambda want, got: isinstance(got, list) and want in got)
    env.expect(group_resource, "deploymentStyle", BLUE_GREEN_STYLE, group.style)


@check("DEPLOY-AUTO-ROLLBACK", layer="live", area="sla", row="deployment", applies=_blue_green,
       evidence=True)
def test_deploy_auto_rollback(env: Environment) -> None:
    """The blue/green group rolls back by itself on the events the spec names, with alarms attached."""
    wanted = env.spec.deployment.blue_green
    assert wanted is not None  # applies() guarantees it
    resource, group = _group(env)
    env.expect(resource, "autoRollbackConfiguration.enabled", True, group.auto_rollback)
    env.expect(resource, "autoRollbackConfiguration.events", sorted(wanted.rollback_on), group.rollback_events,
               ok=lambda want, got: set(want) <= set(got), expected_text=f"at least {sorted(wanted.rollback_on)}")
    if wanted.alarms:
        env.expect(resource, "alarmConfiguration.enabled", True, group.alarms_enabled)
        env.expect(resource, "alarmConfiguration.alarms", "at least one alarm", group.alarms or "none",
                   ok=lambda _w, got: isinstance(got, list) and len(got) > 0)


@check("DEPLOY-TRAFFIC-SHIFT", layer="live", area="sla", row="deployment", applies=_blue_green,
       evidence=True)
def test_deploy_traffic_shift(env: Environment) -> None:
    """Traffic moves gradually: the first shift at most the spec's first step, held for the spec's watch."""
    wanted = env.spec.deployment.blue_green
    assert wanted is not None  # applies() guarantees it
    resource, group = _group(env)
    traffic = group.traffic
    where = f"{resource}/config:{group.config_name}"
    env.expect(where, "trafficRoutingConfig", "readable", "readable" if traffic else "unreadable (custom config)")
    assert traffic is not None  # env.expect raised otherwise
    first = wanted.traffic_steps_percent[0]
    env.expect(where, "first traffic step", f"at most {first}% of traffic (documented steps "
               f"{' -> '.join(f'{step}%' for step in wanted.traffic_steps_percent)})",
               f"{traffic.first_percent}% ({traffic.kind}, steps {traffic.steps_percent})",
               ok=lambda _w, _g: traffic.first_percent <= first and traffic.first_percent < 100)
    env.expect(where, "minutes at the first step", wanted.watch_minutes, traffic.first_step_minutes,
               ok=lambda want, got: got >= want, expected_text=f"at least {wanted.watch_minutes}")


@check("DEPLOY-CIRCUIT-BREAKER", layer="live", area="sla", row="deployment", applies=_rolling_rollback,
       evidence=True)
def test_deploy_circuit_breaker(env: Environment) -> None:
    """Rolling deployments roll back by themselves: each service's deployment circuit breaker with rollback."""
    for role in ROLES:
        resource, found = service(env, role)
        setting = "deploymentConfiguration.deploymentCircuitBreaker"
        env.expect(resource, f"{setting}.enable", True, found.circuit_breaker_enable)
        env.expect(resource, f"{setting}.rollback", True, found.circuit_breaker_rollback)


def _image(env: Environment, role: str) -> tuple[str, Image]:
    """The ECR image (resolved to its digest) the role's running task definition names."""
    resource, _definition = task_definition(env, role)
    found = env.live.section(EcrInventory).images.get(role)
    image = present(env, found, f"{resource}/image")
    env.expect(f"{resource}/image", "repository", "an ECR repository", image.repository or image.reference,
               ok=lambda _w, _g: image.repository is not None)
    got = "present" if image.digest else f"unreadable: {image.unreadable}" if image.unreadable else "missing"
    env.expect(f"ecr:{image.repository}", f"image {image.reference}", "present", got,
               expected_text="present (resolved to a digest)")
    return f"ecr:{image.repository}@{image.digest}", image


@check("IMAGE-PROMOTED", layer="live", area="security", row="deployment", applies=_images,
       evidence=True)
def test_image_promoted(env: Environment) -> None:
    """Each service runs a build the main pipeline made (the digest carries its build tag): what staging ran."""
    wanted = env.spec.deployment.images
    assert wanted is not None  # applies() guarantees it
    for role in ROLES:
        resource, image = _image(env, role)
        env.expect(resource, "imageTags", f"a build tag {wanted.build_tag_prefix}<sha>", image.tags or "none",
                   ok=lambda _w, got: isinstance(got, list)
                   and any(tag.startswith(wanted.build_tag_prefix) for tag in got))


@check("IMAGE-SCANNED", layer="live", area="security", row="deployment", applies=_images,
       evidence=True)
def test_image_scanned(env: Environment) -> None:
    """Pushed images are scanned, and the running digest has no finding at or above the spec's severity."""
    wanted = env.spec.deployment.images
    assert wanted is not None  # applies() guarantees it
    blocking = SEVERITIES[SEVERITIES.index(wanted.block_severity):]
    for role in ROLES:
        resource, image = _image(env, role)
        repository = present(env, env.live.section(EcrInventory).repositories.get(image.repository or ""),
                             f"ecr:{image.repository}")
        env.expect(f"ecr:{repository.name}", "scanning", "scan on push (repository or registry rule)",
                   repository.scanning, ok=lambda _w, got: got != "none" and not got.startswith(UNKNOWN_SCANNING))
        env.expect(resource, "imageScanStatus", " or ".join(SCANNED), image.scan_status,
                   ok=lambda want, got: got in SCANNED)
        found = {level: count for level, count in image.severity_counts.items() if count}
        env.expect(resource, "findingSeverityCounts", f"none at or above {wanted.block_severity}", found or "none",
                   ok=lambda _w, got: not (isinstance(got, dict) and any(level in blocking for level in got)))


@check("IMAGE-TAGS-IMMUTABLE", layer="live", area="security", row="deployment", applies=_images,
       evidence=True)
def test_image_tags_immutable(env: Environment) -> None:
    """Each service's image comes from its repository, whose tags cannot be moved to another image."""
    wanted = env.spec.deployment.images
    assert wanted is not None and wanted.immutable_tags  # applies() guarantees it
    names = env.live.names
    for role in ROLES:
        repository_name = names[f"{role}_repository"]
        resource, image = _image(env, role)
        env.expect(resource, "repository", repository_name, image.repository)
        repository = present(env, env.live.section(EcrInventory).repositories.get(repository_name),
                             f"ecr:{repository_name}")
        env.expect(f"ecr:{repository_name}", "imageTagMutability", IMMUTABLE, repository.tag_mutability)
