"""ECR inventory: the images the services run, resolved to digests with their tags and scan, and their repositories."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Any

from envmatrix.aws.ecs import EcsInventory
from envmatrix.aws.reading import or_none, reading
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

ROLES: tuple[str, ...] = ("api", "worker")
#: ECR / Inspector severities, lowest first (UNDEFINED / UNTRIAGED rank lowest: not yet rated).
SEVERITIES: tuple[str, ...] = ("UNDEFINED", "UNTRIAGED", "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
#: <registry>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:tag][@sha256:...]
_REFERENCE = re.compile(r"^(?P<registry>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
                        r"(?P<repository>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$")
#: Registry scanning frequencies that scan every pushed image.
SCANS_PUSHES = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")


class Repository(Model):
    name: str
    tag_mutability: str  # IMMUTABLE, MUTABLE (or *_WITH_EXCLUSION)
    #: how pushed images get scanned: "repository scanOnPush", "<BASIC|ENHANCED> <frequency> (registry rule ...)", or
    #: "none"
    scanning: str


class Image(Model):
    reference: str  # as the running task definition names it
    repository: str | None  # None: not an ECR image
    digest: str | None  # None: the tag or digest is not in the repository
    tags: list[str] = []
    scan_status: str | None = None  # COMPLETE, ACTIVE (enhanced), IN_PROGRESS, FAILED, NOT_SCANNED, ...
    severity_counts: dict[str, int] = {}


class EcrInventory(Model):
    repositories: dict[str, Repository | None]  # by repository name
    images: dict[str, Image | None]  # role -> the image its running task definition's app container names


def _app_image(target: AwsTarget, ecs: EcsInventory, role: str) -> str | None:
    """The app container's image: the configured container, else one named like the service or role, else the
    first (the checks' own rule, aws/checking.py, then names a container that cannot be told)."""
    definition = ecs.task_definitions.get(role)
    if definition is None or not definition.containers:
        return None
    names = target.names
    likely = (names.container(role),) if names.container(role) else (names.service(role), role, names.family(role))
    named = [c for c in definition.containers if c.name in likely]
    return (named or definition.containers)[0].image


def _scanning(client: Any, raw: dict[str, Any], registry: dict[str, Any]) -> str:
    """How the repository's pushes are scanned; the registry's rules are read (once) only when the repository's
    own scanOnPush is off (it is ignored under enhanced scanning, so the registry then decides)."""
    if (raw.get("imageScanningConfiguration") or {}).get("scanOnPush"):
        return "repository scanOnPush"
    if not registry:
        registry.update(client.get_registry_scanning_configuration().get("scanningConfiguration") or {})
    kind = registry.get("scanType", "BASIC")
    for rule in registry.get("rules") or []:
        filters = [f.get("filter", "") for f in rule.get("repositoryFilters") or []]
        if rule.get("scanFrequency") in SCANS_PUSHES and any(fnmatchcase(raw["repositoryName"], f) for f in filters):
            return f"{kind} {rule['scanFrequency']} (registry rule {', '.join(filters)})"
    return "none"


def _one_repository(client: Any, name: str) -> list[dict[str, Any]]:
    answer = or_none(lambda: client.describe_repositories(repositoryNames=[name]), "RepositoryNotFoundException")
    return list((answer or {}).get("repositories", []))


def _repositories(target: AwsTarget, names: list[str]) -> dict[str, Repository | None]:
    client = target.clients.client("ecr")
    registry: dict[str, Any] = {}
    found: dict[str, Repository | None] = dict.fromkeys(names)
    answer = or_none(lambda: client.describe_repositories(repositoryNames=names), "RepositoryNotFoundException")
    raws: list[dict[str, Any]] | None = (answer or {}).get("repositories")
    if raws is None:  # one of them is missing: AWS then answers for none, so ask one by one
        raws = [r for name in names for r in _one_repository(client, name)]
    for raw in raws:
        found[raw["repositoryName"]] = Repository(
            name=raw["repositoryName"], tag_mutability=raw.get("imageTagMutability", "MUTABLE"),
            scanning=_scanning(client, raw, registry))
    return found


def _severity_counts(answer: dict[str, Any]) -> dict[str, int]:
    findings = answer.get("imageScanFindings") or {}
    counts = findings.get("findingSeverityCounts")
    if counts is not None:
        return {str(k): int(v) for k, v in counts.items()}
    tallied: dict[str, int] = {}  # no summary: count this page's findings (basic and enhanced)
    for item in [*(findings.get("findings") or []), *(findings.get("enhancedFindings") or [])]:
        tallied[item.get("severity", "UNDEFINED")] = tallied.get(item.get("severity", "UNDEFINED"), 0) + 1
    return tallied


def _image(target: AwsTarget, reference: str) -> Image:
    parsed = _REFERENCE.match(reference)
    if parsed is None:
        return Image(reference=reference, repository=None, digest=None)
    client, repository = target.clients.client("ecr"), parsed["repository"]
    wanted = {"imageDigest": parsed["digest"]} if parsed["digest"] else {"imageTag": parsed["tag"] or "latest"}
    where = {"registryId": parsed["registry"], "repositoryName": repository}
    answer = or_none(lambda: client.describe_images(**where, imageIds=[wanted]),
                     "ImageNotFoundException", "RepositoryNotFoundException")
    details = (answer or {}).get("imageDetails") or []
    if not details:
        return Image(reference=reference, repository=repository, digest=None)
    digest, summary = details[0]["imageDigest"], details[0].get("imageScanFindingsSummary")
    status = (details[0].get("imageScanStatus") or {}).get("status")
    if summary is not None and status is not None:  # AWS summarises the last scan here: no second call
        counts = {str(k): int(v) for k, v in (summary.get("findingSeverityCounts") or {}).items()}
        return Image(reference=reference, repository=repository, digest=digest,
                     tags=sorted(details[0].get("imageTags") or []), scan_status=status, severity_counts=counts)
    scan = or_none(lambda: client.describe_image_scan_findings(**where, imageId={"imageDigest": digest}),
                   "ScanNotFoundException")
    status = (scan or {}).get("imageScanStatus", {}).get("status") if scan is not None else "NOT_SCANNED"
    return Image(reference=reference, repository=repository, digest=digest,
                 tags=sorted(details[0].get("imageTags") or []), scan_status=status,
                 severity_counts=_severity_counts(scan or {}))


def fetch(target: AwsTarget, ecs: EcsInventory) -> EcrInventory:
    """The running images (from the ECS section's running task definitions) and their repositories, where the
    spec asks what production runs; nothing elsewhere."""
    if not target.wants.images:
        return EcrInventory(repositories={}, images={})
    names = [target.names.repository(role) for role in ROLES]
    with reading(target.env, f"ECR repositories {', '.join(names)}"):
        repositories = _repositories(target, names)
    images: dict[str, Image | None] = {}
    for role in ROLES:
        reference = _app_image(target, ecs, role)
        with reading(target.env, f"ECR image {reference}"):
            images[role] = _image(target, reference) if reference else None
    return EcrInventory(repositories=repositories, images=images)


#: the images the running task definitions (the ecs section's) name
SECTION = Section("ecr", fetch, EcrInventory, services=("ecr",), after="ecs", operations=(
    ("ecr", "DescribeImageScanFindings"),
    ("ecr", "DescribeImages"),
    ("ecr", "DescribeRepositories"),
    ("ecr", "GetRegistryScanningConfiguration"),
))
