"""Sandbox provisioning of how the environments are deployed: ECR builds, production's CodeDeploy group, breakers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from envmatrix.sandbox.naming import SERVICES
from envmatrix.sandbox.provision_app import ACCOUNT
from envmatrix.sandbox.provision_target import ProvisionTarget

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
#: A build already there: another environment pushed (and scanned: one scan per image a day) it first.
ALREADY_THERE = ("RepositoryAlreadyExistsException", "ImageAlreadyExistsException", "ImageTagAlreadyExistsException",
                 "LimitExceededException")


def repository(service: str) -> str:
    return f"taskmanager-{service}"


def manifest(service: str, commit: str) -> str:
    """A Docker v2 manifest that is the same for the same build: one build, one digest, however many tags."""
    config, layer = (hashlib.sha256(f"{part}:{service}@{commit}".encode()).hexdigest() for part in ("config", "layer"))
    # moto derives the digest from the layers' digests: one layer per build keeps builds apart
    return json.dumps({"schemaVersion": 2, "mediaType": MANIFEST_TYPE, "config": {
        "mediaType": "application/vnd.docker.container.image.v1+json", "size": 1024, "digest": f"sha256:{config}"},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 4096,
                    "digest": f"sha256:{layer}"}]}, sort_keys=True)


def _tolerate(call: Callable[[], object]) -> bool:
    """Make the call; False when what it makes is already there (another environment made it first)."""
    try:
        call()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ALREADY_THERE:
            raise
        return False
    return True


def images(target: ProvisionTarget) -> None:
    """The shared registry as the pipeline left it: both repositories and every build under each of its tags,
    scanned as pushed. Every environment's provisioning makes sure of it (whichever comes first pushes).

    A build is scanned once, by the push that made its image: a release tag added to a build already pushed, or a
    push another environment made first, is not scanned again (moto answers a second scan of an image the same day
    LimitExceededException, which botocore retries after a back-off of up to a second: seconds of every start)."""
    registry = target.registry
    if registry is None:
        return
    ecr = target.client("ecr")
    for service in SERVICES:
        name = repository(service)
        _tolerate(lambda: ecr.create_repository(
            repositoryName=name, imageTagMutability=registry.tag_mutability,  # noqa: B023 (called at once)
            imageScanningConfiguration={"scanOnPush": registry.scan_on_push},
            tags=[{"Key": "Project", "Value": "taskmanager"}]))
        first_tags = {commit: tag for tag, commit in reversed(registry.builds.items())}
        for tag, commit in registry.builds.items():
            _push(ecr, name, tag, manifest(service, commit), scan=registry.scan_on_push and first_tags[commit] == tag)


def _push(ecr: Any, name: str, tag: str, build: str, *, scan: bool) -> None:
    pushed = _tolerate(lambda: ecr.put_image(repositoryName=name, imageTag=tag, imageManifest=build,
                                             imageManifestMediaType=MANIFEST_TYPE))
    if scan and pushed:  # moto does not scan on push by itself: play the push's scan
        _tolerate(lambda: ecr.start_image_scan(repositoryName=name, imageId={"imageTag": tag}))


def deployment_group(target: ProvisionTarget) -> None:
    """The api service's CodeDeploy blue/green group, where the world deploys it so (production)."""
    blue_green = target.world.deploy.blue_green
    if blue_green is None:
        return
    codedeploy, names = target.client("codedeploy"), target.names
    application = names.live.codedeploy_application
    codedeploy.create_application(applicationName=application, computePlatform="ECS",
                                  tags=target.tag_list())
    listener = f"arn:aws:elasticloadbalancing:{target.region}:{ACCOUNT}:listener/app/{names.alb}/0/443"
    codedeploy.create_deployment_group(
        applicationName=application, deploymentGroupName=names.live.api_deployment_group,
        serviceRoleArn=f"arn:aws:iam::{ACCOUNT}:role/{names.prefix}-codedeploy",
        deploymentConfigName=blue_green.config,
        ecsServices=[{"clusterName": names.cluster, "serviceName": "api"}],
        deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        blueGreenDeploymentConfiguration={
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": "TERMINATE", "terminationWaitTimeInMinutes": blue_green.termination_wait_minutes},
            "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"}},
        loadBalancerInfo={"targetGroupPairInfoList": [{
            "targetGroups": [{"name": f"{names.prefix}-api-blue"}, {"name": f"{names.prefix}-api-green"}],
            "prodTrafficRoute": {"listenerArns": [listener]}}]},
        autoRollbackConfiguration={"enabled": True, "events": list(blue_green.rollback_events)},
        alarmConfiguration={"enabled": bool(blue_green.alarms),
                            "alarms": [{"name": f"{names.prefix}-{alarm}"} for alarm in blue_green.alarms]},
        tags=target.tag_list())


def circuit_breakers(target: ProvisionTarget) -> None:
    """The ECS deployment circuit breaker with rollback on every rolling service, where the world sets it.

    moto keeps deploymentConfiguration only from UpdateService, which replaces it whole: keep what is there.
    """
    if not target.world.deploy.circuit_breaker:
        return
    ecs = target.client("ecs")
    found = ecs.describe_services(cluster=target.names.cluster, services=list(SERVICES))["services"]
    for service in found:
        if (service.get("deploymentController") or {}).get("type", "ECS") != "ECS":
            continue
        configuration = dict(service.get("deploymentConfiguration") or {})
        configuration["deploymentCircuitBreaker"] = {"enable": True, "rollback": True}
        ecs.update_service(cluster=target.names.cluster, service=service["serviceName"],
                           deploymentConfiguration=configuration)
