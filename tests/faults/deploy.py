"""Fault catalogue, deployment: production's CodeDeploy group, staging's circuit breakers, production's images."""

from __future__ import annotations

from typing import Any

import httpx

from envmatrix.sandbox.provision_deploy import MANIFEST_TYPE, manifest
from tests.faults.actions import FaultTarget
from tests.faults.registry import conforming, fault, live

GROUP = "codedeploy:production-taskmanager/production-taskmanager-api"


def _update_group(target: FaultTarget, **changes: Any) -> None:
    """UpdateDeploymentGroup (the sandbox's moto answers it: envmatrix/sandbox/moto_codedeploy.py)."""
    target.client("codedeploy").update_deployment_group(
        applicationName=target.names.live.codedeploy_application,
        currentDeploymentGroupName=target.names.live.api_deployment_group, **changes)


@fault("production-deploy-no-alarm-rollback", "production",
       "the blue/green group rolls back on failure only, not when an alarm stops the deployment",
       live("DEPLOY-AUTO-ROLLBACK"), f"{GROUP}.autoRollbackConfiguration.events")
def _no_alarm_rollback(target: FaultTarget) -> None:
    _update_group(target, autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]})


@fault("production-deploy-alarms-detached", "production", "the blue/green group's alarms detached",
       live("DEPLOY-AUTO-ROLLBACK"), f"{GROUP}.alarmConfiguration.enabled")
def _alarms_detached(target: FaultTarget) -> None:
    _update_group(target, alarmConfiguration={"enabled": False, "alarms": []})


@fault("production-deploy-all-at-once", "production", "the blue/green group shifts all traffic at once",
       live("DEPLOY-TRAFFIC-SHIFT"), f"{GROUP}/config:CodeDeployDefault.ECSAllAtOnce.first traffic step")
def _all_at_once(target: FaultTarget) -> None:
    _update_group(target, deploymentConfigName="CodeDeployDefault.ECSAllAtOnce")


@fault("production-deploy-short-canary", "production", "the canary is watched 5 minutes instead of 15",
       live("DEPLOY-TRAFFIC-SHIFT"),
       f"{GROUP}/config:CodeDeployDefault.ECSCanary10Percent5Minutes.minutes at the first step")
def _short_canary(target: FaultTarget) -> None:
    _update_group(target, deploymentConfigName="CodeDeployDefault.ECSCanary10Percent5Minutes")


@fault("staging-circuit-breaker-off", "staging", "staging's api rolls out without the deployment circuit breaker",
       live("DEPLOY-CIRCUIT-BREAKER"),
       "ecs-service:staging-taskmanager/api.deploymentConfiguration.deploymentCircuitBreaker.enable")
def _breaker_off(target: FaultTarget) -> None:
    ecs = target.client("ecs")
    found = ecs.describe_services(cluster=target.names.cluster, services=["api"])["services"][0]
    configuration = {**found["deploymentConfiguration"], "deploymentCircuitBreaker": {"enable": False,
                                                                                      "rollback": False}}
    ecs.update_service(cluster=target.names.cluster, service="api", deploymentConfiguration=configuration)


def _push(target: FaultTarget, service: str, tag: str, commit: str) -> str:
    """Push (and scan) a build of ``commit`` under ``tag``; the image reference a task definition names."""
    ecr = target.client("ecr")
    repository = f"taskmanager-{service}"
    ecr.put_image(repositoryName=repository, imageTag=tag, imageManifest=manifest(service, commit),
                  imageManifestMediaType=MANIFEST_TYPE)
    ecr.start_image_scan(repositoryName=repository, imageId={"imageTag": tag})
    uri = ecr.describe_repositories(repositoryNames=[repository])["repositories"][0]["repositoryUri"]
    return f"{uri}:{tag}"


@fault("production-runs-unpromoted-build", "production",
       "production's api runs a hotfix build (v1.0.1) that never went through main, so staging never ran it",
       live("IMAGE-PROMOTED"), 'imageTags: expected a build tag main-<sha>, got ["v1.0.1"]')
def _unpromoted(target: FaultTarget) -> None:
    image = _push(target, "api", "v1.0.1", "hotfix9")
    target.revise_task("api", lambda _definition, container: container.update(image=image))


@fault("production-repository-mutable", "production", "the api repository's tags made mutable",
       live("IMAGE-TAGS-IMMUTABLE"), "ecr:taskmanager-api.imageTagMutability")
def _mutable(target: FaultTarget) -> None:
    target.client("ecr").put_image_tag_mutability(repositoryName="taskmanager-api", imageTagMutability="MUTABLE")


@fault("production-scan-on-push-off", "production", "the worker repository no longer scans pushed images",
       live("IMAGE-SCANNED"), "ecr:taskmanager-worker.scanning")
def _scan_off(target: FaultTarget) -> None:
    target.client("ecr").put_image_scanning_configuration(
        repositoryName="taskmanager-worker", imageScanningConfiguration={"scanOnPush": False})


@fault("production-critical-finding", "production", "the scan of production's api image found a CRITICAL CVE",
       live("IMAGE-SCANNED"), "findingSeverityCounts: expected none at or above CRITICAL")
def _critical(target: FaultTarget) -> None:
    ecr = target.client("ecr")
    digest = ecr.describe_images(repositoryName="taskmanager-api", imageIds=[{"imageTag": "v1.0.0"}])[
        "imageDetails"][0]["imageDigest"]
    result = {"registryId": "123456789012", "repositoryName": "taskmanager-api", "imageId": {"imageDigest": digest},
              "imageScanStatus": {"status": "COMPLETE", "description": "The scan was completed successfully."},
              "imageScanFindings": {"findings": [{"name": "CVE-2026-0001", "severity": "CRITICAL"}],
                                    "findingSeverityCounts": {"CRITICAL": 1, "HIGH": 2}}}
    # moto's documented way to answer a scan with given findings (it otherwise answers one canned HIGH finding)
    httpx.post(f"{target.aws.endpoint}/moto-api/static/ecr/scan-finding-results",
               json={"results": [result], "region": "us-east-1"}, timeout=10).raise_for_status()


@conforming("production-enhanced-scanning", "production",
            "images scanned by the registry's enhanced (Inspector) scanning instead of repository scan-on-push")
def _enhanced(target: FaultTarget) -> None:
    ecr = target.client("ecr")
    ecr.put_registry_scanning_configuration(scanType="ENHANCED", rules=[{
        "scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "taskmanager-*",
                                                                   "filterType": "WILDCARD"}]}])
    for repository in ("taskmanager-api", "taskmanager-worker"):
        ecr.put_image_scanning_configuration(repositoryName=repository,
                                             imageScanningConfiguration={"scanOnPush": False})


@conforming("production-release-by-digest", "production",
            "production's api task definition names its image by digest (repository@sha256:...), not by tag")
def _by_digest(target: FaultTarget) -> None:
    ecr = target.client("ecr")
    digest = ecr.describe_images(repositoryName="taskmanager-api", imageIds=[{"imageTag": "v1.0.0"}])[
        "imageDetails"][0]["imageDigest"]

    def pin(_definition: dict[str, Any], container: dict[str, Any]) -> None:
        container["image"] = f"{container['image'].rsplit(':', 1)[0]}@{digest}"
    target.revise_task("api", pin)


#: A region the sandbox's environments are not in: the build account's registry lives there in these shapes.
AWAY_REGION = "eu-west-1"
#: An account that is not the sandbox's (moto's 123456789012): its registry never lets the sandbox's credentials in.
OTHER_ACCOUNT = "999988887777"


def _running_image(target: FaultTarget, role: str) -> str:
    """The image URI the role's running task definition gives its application container."""
    definition = target.client("ecs").describe_task_definition(taskDefinition=target.running_task(role))[
        "taskDefinition"]
    return str(next(c["image"] for c in definition["containerDefinitions"] if c["name"] == role))


@conforming("production-image-in-another-region", "production",
            "production's api runs its build from a replica of the repository in another region (eu-west-1)")
def _image_elsewhere(target: FaultTarget) -> None:
    """The same build (same manifest, so the same digest, under every tag it has at home) pushed to an immutable,
    scanned taskmanager-api repository in eu-west-1, and the api's task definition naming that URI."""
    home, away = target.client("ecr"), target.client("ecr", AWAY_REGION)
    image = _running_image(target, "api")
    tag = image.rsplit(":", 1)[-1]
    found = home.batch_get_image(repositoryName="taskmanager-api", imageIds=[{"imageTag": tag}])["images"][0]
    tags = home.describe_images(repositoryName="taskmanager-api", imageIds=[{"imageTag": tag}])["imageDetails"][0][
        "imageTags"]
    created = away.create_repository(repositoryName="taskmanager-api", imageTagMutability="IMMUTABLE",
                                     imageScanningConfiguration={"scanOnPush": True})["repository"]
    for each in tags:
        away.put_image(repositoryName="taskmanager-api", imageTag=each, imageManifest=found["imageManifest"],
                       imageManifestMediaType=MANIFEST_TYPE)
    away.start_image_scan(repositoryName="taskmanager-api", imageId={"imageTag": tag})
    target.revise_task("api", lambda _definition, container: container.update(
        image=f"{created['repositoryUri']}:{tag}"))


@fault("production-image-from-unreadable-account", "production",
       "production's api names an image in another account's registry that does not let the environment read it",
       live("IMAGE-PROMOTED", "IMAGE-SCANNED", "IMAGE-TAGS-IMMUTABLE"),
       f"got unreadable: repository taskmanager-api of account {OTHER_ACCOUNT}")
def _image_unreadable(target: FaultTarget) -> None:
    tag = _running_image(target, "api").rsplit(":", 1)[-1]
    target.revise_task("api", lambda _definition, container: container.update(
        image=f"{OTHER_ACCOUNT}.dkr.ecr.{target.aws.region}.amazonaws.com/taskmanager-api:{tag}"))
