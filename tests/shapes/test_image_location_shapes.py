"""Real-AWS shapes of images that live elsewhere and scans over several pages: an image URI naming another region
or account is read there (its repository too), another account's repository that cannot be read fails closed
naming why, and DescribeImageScanFindings is read through every page."""

from __future__ import annotations

from typing import Any

from envmatrix.aws import ecr
from envmatrix.aws.ecr import EcrInventory
from envmatrix.aws.ecs import EcsInventory
from tests.shapes.harness import ACCOUNT, REGION, StubbedClients, target
from tests.shapes.test_deploy_shapes import (
    DIGEST,
    ENHANCED_FINDING,
    ENV,
    REPOSITORY_URI,
    WHEN,
    image_checks,
    image_detail,
    running_ecs,
)

#: The shared build account's registry, in another region than the environment's (a central ECR account).
BUILD_ACCOUNT = "555566667777"
OTHER_REGION = "eu-west-1"
TAGS = ["main-9f8e7d6", "v1.4.2"]


def _repository(name: str, account: str, region: str) -> dict[str, Any]:
    """A DescribeRepositories entry as ECR answers it for ``account``'s registry in ``region``."""
    uri = f"{account}.dkr.ecr.{region}.amazonaws.com/{name}"
    return {"repositoryArn": f"arn:aws:ecr:{region}:{account}:repository/{name}", "registryId": account,
            "repositoryName": name, "repositoryUri": uri, "createdAt": WHEN, "imageTagMutability": "IMMUTABLE",
            "imageScanningConfiguration": {"scanOnPush": True}, "encryptionConfiguration": {"encryptionType": "AES256"}}


def _detail(name: str, account: str) -> dict[str, Any]:
    return {**image_detail(name, TAGS, summary={"HIGH": 1}), "registryId": account}


def _fetch(ecs_inventory: EcsInventory, stub: Any) -> EcrInventory:
    clients = StubbedClients(ENV)
    stub(clients)
    found = ecr.fetch(target(ENV, clients), ecs_inventory)  # type: ignore[arg-type]
    clients.verify()
    return found


def _worker_at_home(clients: StubbedClients) -> None:
    """The worker's image in the environment's own registry and region (its DescribeImages)."""
    clients.stub("ecr").add_response("describe_images", {"imageDetails": [_detail("taskmanager-worker", ACCOUNT)]},
                                     {"registryId": ACCOUNT, "repositoryName": "taskmanager-worker",
                                      "imageIds": [{"imageTag": "v1.4.2"}]})


def _home_repository(clients: StubbedClients, names: list[str]) -> None:
    clients.stub("ecr").add_response("describe_repositories", {"repositories": [
        _repository(name, ACCOUNT, REGION) for name in names]}, {"registryId": ACCOUNT, "repositoryNames": names})


def test_an_image_in_another_region_and_account_is_read_there_and_green() -> None:
    """The api runs the build account's image in eu-west-1: DescribeImages and DescribeRepositories are asked of
    that registry (registryId) in that region, not "not in repository" at home."""
    ecs_inventory = running_ecs(f"{BUILD_ACCOUNT}.dkr.ecr.{OTHER_REGION}.amazonaws.com/taskmanager-api:v1.4.2")

    def stub(clients: StubbedClients) -> None:
        away = clients.stub("ecr", OTHER_REGION)
        away.add_response("describe_images", {"imageDetails": [_detail("taskmanager-api", BUILD_ACCOUNT)]},
                          {"registryId": BUILD_ACCOUNT, "repositoryName": "taskmanager-api",
                           "imageIds": [{"imageTag": "v1.4.2"}]})
        _worker_at_home(clients)
        away.add_response("describe_repositories", {"repositories": [
            _repository("taskmanager-api", BUILD_ACCOUNT, OTHER_REGION)]},
            {"registryId": BUILD_ACCOUNT, "repositoryNames": ["taskmanager-api"]})
        _home_repository(clients, ["taskmanager-worker"])
    inventory = _fetch(ecs_inventory, stub)
    api = inventory.images["api"]
    assert api is not None and (api.registry, api.region, api.digest) == (BUILD_ACCOUNT, OTHER_REGION, DIGEST)
    verdicts = image_checks(ecs_inventory, inventory)
    assert all(v.passed for v in verdicts.values()), {k: v.message for k, v in verdicts.items()}


def _denied(clients: StubbedClients, code: str, message: str) -> None:
    clients.stub("ecr").add_client_error("describe_images", code, message, 400, expected_params={
        "registryId": BUILD_ACCOUNT, "repositoryName": "taskmanager-api", "imageIds": [{"imageTag": "v1.4.2"}]})
    clients.stub("sts").add_response("get_caller_identity", {
        "UserId": "AROAEXAMPLEID:envmatrix-audit", "Account": ACCOUNT,
        "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/envmatrix-readonly/envmatrix-audit"}, {})


def test_another_accounts_repository_that_refuses_the_environment_fails_closed_naming_why() -> None:
    """ECR's answer when the build account's repository policy does not let the environment's role in: each image
    check is red naming the account, the region and why, never "missing" nor green."""
    ecs_inventory = running_ecs(f"{BUILD_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/taskmanager-api:v1.4.2")
    message = (f"User: arn:aws:sts::{ACCOUNT}:assumed-role/envmatrix-readonly/envmatrix-audit is not authorized to "
               f"perform: ecr:DescribeImages on resource: arn:aws:ecr:{REGION}:{BUILD_ACCOUNT}:repository/"
               "taskmanager-api because no resource-based policy allows the ecr:DescribeImages action")

    def stub(clients: StubbedClients) -> None:
        _denied(clients, "AccessDeniedException", message)
        _worker_at_home(clients)
        _home_repository(clients, ["taskmanager-worker"])
    inventory = _fetch(ecs_inventory, stub)
    verdicts = image_checks(ecs_inventory, inventory)
    for check, verdict in verdicts.items():
        assert not verdict.passed, check
        assert (f"production {check} ecr:taskmanager-api.image {BUILD_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/"
                f"taskmanager-api:v1.4.2: expected present (resolved to a digest), got unreadable: repository "
                f"taskmanager-api of account {BUILD_ACCOUNT} ({REGION}) cannot be read with the environment's "
                "credentials (AccessDeniedException)") in verdict.message, verdict.message


def test_another_accounts_repository_not_found_is_unreadable_not_missing() -> None:
    """Without a grant ECR may also answer RepositoryNotFoundException for another registry: it cannot be told
    from a repository that is not there, so it is read as "unreadable", naming the account."""
    ecs_inventory = running_ecs(f"{BUILD_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/taskmanager-api:v1.4.2")
    message = (f"The repository with name 'taskmanager-api' does not exist in the registry with id "
               f"'{BUILD_ACCOUNT}'")

    def stub(clients: StubbedClients) -> None:
        _denied(clients, "RepositoryNotFoundException", message)
        _worker_at_home(clients)
        _home_repository(clients, ["taskmanager-worker"])
    verdict = image_checks(ecs_inventory, _fetch(ecs_inventory, stub))["IMAGE-PROMOTED"]
    assert not verdict.passed
    assert f"got unreadable: repository taskmanager-api of account {BUILD_ACCOUNT}" in verdict.message


def test_own_repository_not_found_is_missing() -> None:
    """The environment's own account: a repository that is not there is simply missing (red, as before)."""
    ecs_inventory = running_ecs(f"{REPOSITORY_URI}/taskmanager-api:v1.4.2")
    message = f"The repository with name 'taskmanager-api' does not exist in the registry with id '{ACCOUNT}'"

    def stub(clients: StubbedClients) -> None:
        clients.stub("ecr").add_client_error("describe_images", "RepositoryNotFoundException", message, 400)
        clients.stub("sts").add_response("get_caller_identity", {
            "UserId": "AROAEXAMPLEID:envmatrix-audit", "Account": ACCOUNT,
            "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/envmatrix-readonly/envmatrix-audit"}, {})
        _worker_at_home(clients)
        clients.stub("ecr").add_response("describe_repositories", {"repositories": [
            _repository("taskmanager-worker", ACCOUNT, REGION)]}, {"registryId": ACCOUNT, "repositoryNames": [
                "taskmanager-api", "taskmanager-worker"]})
    verdict = image_checks(ecs_inventory, _fetch(ecs_inventory, stub))["IMAGE-PROMOTED"]
    assert not verdict.passed and "expected present (resolved to a digest), got missing" in verdict.message


# --- DescribeImageScanFindings over several pages --------------------------------------------------------------
def _finding(severity: str, index: int) -> dict[str, Any]:
    return {**ENHANCED_FINDING, "severity": severity,
            "findingArn": f"arn:aws:inspector2:{REGION}:{ACCOUNT}:finding/{index:016x}"}


def _paged_scan(severities: list[list[str]]) -> Any:
    """The api image without a scan summary in DescribeImages, its enhanced findings in pages (nextToken) and no
    findingSeverityCounts (a summary-less answer: only counting every page tells the severities)."""
    def stub(clients: StubbedClients) -> None:
        ecr_stub = clients.stub("ecr")
        ecr_stub.add_response("describe_images", {"imageDetails": [image_detail("taskmanager-api", TAGS)]},
                              {"registryId": ACCOUNT, "repositoryName": "taskmanager-api",
                               "imageIds": [{"imageTag": "v1.4.2"}]})
        where = {"registryId": ACCOUNT, "repositoryName": "taskmanager-api", "imageId": {"imageDigest": DIGEST}}
        for index, page in enumerate(severities):
            answer: dict[str, Any] = {**where, "imageScanStatus": {
                "status": "ACTIVE", "description": "Continuous scan is selected for image."},
                "imageScanFindings": {"enhancedFindings": [_finding(s, index * 100 + n) for n, s in enumerate(page)]}}
            if index + 1 < len(severities):
                answer["nextToken"] = f"page-{index + 1}"
            ecr_stub.add_response("describe_image_scan_findings", answer,
                                  {**where, **({"nextToken": f"page-{index}"} if index else {})})
        _worker_at_home(clients)
        _home_repository(clients, ["taskmanager-api", "taskmanager-worker"])
    return stub


def test_a_critical_finding_on_the_second_page_is_red() -> None:
    ecs_inventory = running_ecs()
    inventory = _fetch(ecs_inventory, _paged_scan([["LOW", "MEDIUM"], ["HIGH", "CRITICAL"]]))
    api = inventory.images["api"]
    assert api is not None and api.severity_counts == {"LOW": 1, "MEDIUM": 1, "HIGH": 1, "CRITICAL": 1}
    verdict = image_checks(ecs_inventory, inventory)["IMAGE-SCANNED"]
    assert not verdict.passed
    assert f"ecr:taskmanager-api@{DIGEST}.findingSeverityCounts: expected none at or above CRITICAL" in \
        verdict.message


def test_findings_below_the_blocking_severity_on_every_page_are_green() -> None:
    ecs_inventory = running_ecs()
    inventory = _fetch(ecs_inventory, _paged_scan([["LOW", "HIGH"], ["MEDIUM"], ["HIGH"]]))
    api = inventory.images["api"]
    assert api is not None and api.severity_counts == {"LOW": 1, "HIGH": 2, "MEDIUM": 1}
    verdicts = image_checks(ecs_inventory, inventory)
    assert all(v.passed for v in verdicts.values()), {k: v.message for k, v in verdicts.items()}


def test_another_accounts_repository_without_scan_on_push_is_unknown_not_scanned() -> None:
    """The build account's repository does not scan on push and its registry rules are that account's (this
    account's GetRegistryScanningConfiguration cannot tell them): IMAGE-SCANNED is red saying "unknown"."""
    ecs_inventory = running_ecs(f"{BUILD_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/taskmanager-api:v1.4.2")

    def stub(clients: StubbedClients) -> None:
        ecr_stub = clients.stub("ecr")
        ecr_stub.add_response("describe_images", {"imageDetails": [_detail("taskmanager-api", BUILD_ACCOUNT)]},
                              {"registryId": BUILD_ACCOUNT, "repositoryName": "taskmanager-api",
                               "imageIds": [{"imageTag": "v1.4.2"}]})
        _worker_at_home(clients)
        unscanned = {**_repository("taskmanager-api", BUILD_ACCOUNT, REGION),
                     "imageScanningConfiguration": {"scanOnPush": False}}
        ecr_stub.add_response("describe_repositories", {"repositories": [unscanned]},
                              {"registryId": BUILD_ACCOUNT, "repositoryNames": ["taskmanager-api"]})
        clients.stub("sts").add_response("get_caller_identity", {
            "UserId": "AROAEXAMPLEID:envmatrix-audit", "Account": ACCOUNT,
            "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/envmatrix-readonly/envmatrix-audit"}, {})
        _home_repository(clients, ["taskmanager-worker"])
    verdict = image_checks(ecs_inventory, _fetch(ecs_inventory, stub))["IMAGE-SCANNED"]
    assert not verdict.passed
    assert ("production IMAGE-SCANNED ecr:taskmanager-api.scanning: expected scan on push (repository or registry "
            f"rule), got unknown: scanOnPush off; the registry scanning rules of account {BUILD_ACCOUNT}") in \
        verdict.message
