"""ECR inventory: the images the services run, resolved to digests with their tags and scan, and their repositories."""

from __future__ import annotations

import re
from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import Any

from envmatrix.aws.ecs import EcsInventory
from envmatrix.aws.identity import caller
from envmatrix.aws.reading import DENIED, error_code, or_none, reading
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
    #: the registry (account) and region the image URI names, where its repository was read
    registry: str | None = None
    region: str | None = None
    #: why another account's repository could not be read (its policy does not let the environment's credentials
    #: in); None: read
    unreadable: str | None = None
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


#: How a repository's scanning reads when its registry's rules belong to another account (never "scanned").
UNKNOWN_SCANNING = "unknown"


def _scanning(client: Any, raw: dict[str, Any], registry: dict[str, Any], foreign: Callable[[], bool]) -> str:
    """How the repository's pushes are scanned; the registry's rules are read (once) only when the repository's
    own scanOnPush is off (it is ignored under enhanced scanning, so the registry then decides). Another account's
    registry rules cannot be read (GetRegistryScanningConfiguration reads the caller's own): "unknown", not none."""
    if (raw.get("imageScanningConfiguration") or {}).get("scanOnPush"):
        return "repository scanOnPush"
    if foreign():
        return (f"{UNKNOWN_SCANNING}: scanOnPush off; the registry scanning rules of account {raw.get('registryId')} "
                "cannot be read from this account")
    if not registry:
        registry.update(client.get_registry_scanning_configuration().get("scanningConfiguration") or {})
    kind = registry.get("scanType", "BASIC")
    for rule in registry.get("rules") or []:
        filters = [f.get("filter", "") for f in rule.get("repositoryFilters") or []]
        if rule.get("scanFrequency") in SCANS_PUSHES and any(fnmatchcase(raw["repositoryName"], f) for f in filters):
            return f"{kind} {rule['scanFrequency']} (registry rule {', '.join(filters)})"
    return "none"


#: (registry id, region) of a repository: None for the registry is the environment's own, in its own region
Location = tuple[str | None, str | None]


def _one_repository(client: Any, where: dict[str, Any], name: str) -> list[dict[str, Any]]:
    answer = or_none(lambda: client.describe_repositories(**where, repositoryNames=[name]),
                     "RepositoryNotFoundException")
    return list((answer or {}).get("repositories", []))


def _own(target: AwsTarget) -> str:
    """The account the environment is read as (GetCallerIdentity, once per set of clients)."""
    return str(caller(target).get("Account", ""))


def _repositories(target: AwsTarget, names: list[str], location: Location) -> dict[str, Repository | None]:
    """The repositories ``names`` of one registry and region (the running images' own, or the environment's)."""
    registry_id, region = location
    client = target.clients.client("ecr", region)
    where = {"registryId": registry_id} if registry_id else {}
    registry: dict[str, Any] = {}
    found: dict[str, Repository | None] = dict.fromkeys(names)
    answer = or_none(lambda: client.describe_repositories(**where, repositoryNames=names),
                     "RepositoryNotFoundException")
    raws: list[dict[str, Any]] | None = (answer or {}).get("repositories")
    if raws is None:  # one of them is missing: AWS then answers for none, so ask one by one
        raws = [r for name in names for r in _one_repository(client, where, name)]
    for raw in raws:
        found[raw["repositoryName"]] = Repository(
            name=raw["repositoryName"], tag_mutability=raw.get("imageTagMutability", "MUTABLE"),
            scanning=_scanning(client, raw, registry, lambda: bool(registry_id) and registry_id != _own(target)))
    return found


def _severity_counts(pages: list[dict[str, Any]]) -> dict[str, int]:
    """The scan's own summary (every page repeats it, for all findings), else the findings of every page counted."""
    scans = [page.get("imageScanFindings") or {} for page in pages]
    counts = next((scan["findingSeverityCounts"] for scan in scans if scan.get("findingSeverityCounts") is not None),
                  None)
    if counts is not None:
        return {str(k): int(v) for k, v in counts.items()}
    tallied: dict[str, int] = {}  # no summary: count the findings of all pages (basic and enhanced)
    for scan in scans:
        for item in [*(scan.get("findings") or []), *(scan.get("enhancedFindings") or [])]:
            tallied[item.get("severity", "UNDEFINED")] = tallied.get(item.get("severity", "UNDEFINED"), 0) + 1
    return tallied


def _scan_pages(client: Any, where: dict[str, Any], digest: str) -> list[dict[str, Any]] | None:
    """Every page of DescribeImageScanFindings (up to 1000 findings a page); None: never scanned."""
    paginator = client.get_paginator("describe_image_scan_findings")
    return or_none(lambda: list(paginator.paginate(**where, imageId={"imageDigest": digest})),
                   "ScanNotFoundException")


def location_of(reference: str | None) -> Location:
    """The registry and region an ECR image URI names; (None, None) for anything else."""
    parsed = _REFERENCE.match(reference or "")
    return (parsed["registry"], parsed["region"]) if parsed else (None, None)


def _unreadable(target: AwsTarget, registry: str, region: str, repository: str, code: str) -> str | None:
    """Why another account's repository could not be read (None where the registry is the environment's own
    account: its repository is then simply missing)."""
    if registry == _own(target):
        return None
    return (f"repository {repository} of account {registry} ({region}) cannot be read with the environment's "
            f"credentials ({code}): its repository policy must allow them ecr:DescribeImages, "
            "ecr:DescribeRepositories and ecr:DescribeImageScanFindings")


def _describe(target: AwsTarget, client: Any, parsed: re.Match[str], wanted: dict[str, str]) -> Image | list[Any]:
    """DescribeImages in the URI's own registry and region: its details, else the image as missing or unreadable."""
    from botocore.exceptions import ClientError

    registry, region, repository = parsed["registry"], parsed["region"], parsed["repository"]
    missing = Image(reference=parsed.string, repository=repository, digest=None, registry=registry, region=region)
    try:
        answer = client.describe_images(registryId=registry, repositoryName=repository, imageIds=[wanted])
    except ClientError as exc:
        code = error_code(exc)
        if code == "ImageNotFoundException":
            return missing
        if code not in ("RepositoryNotFoundException", *DENIED):
            raise
        why = _unreadable(target, registry, region, repository, code)
        if why is None and code != "RepositoryNotFoundException":
            raise
        return missing.model_copy(update={"unreadable": why})
    return list(answer.get("imageDetails") or []) or missing


def _image(target: AwsTarget, reference: str) -> Image:
    """The image, read in the registry (account) and region its URI names: another region's or account's
    repository is read there, with the environment's credentials."""
    parsed = _REFERENCE.match(reference)
    if parsed is None:
        return Image(reference=reference, repository=None, digest=None)
    client, repository = target.clients.client("ecr", parsed["region"]), parsed["repository"]
    wanted = {"imageDigest": parsed["digest"]} if parsed["digest"] else {"imageTag": parsed["tag"] or "latest"}
    details = _describe(target, client, parsed, wanted)
    if isinstance(details, Image):
        return details
    found = Image(reference=reference, repository=repository, digest=details[0]["imageDigest"],
                  registry=parsed["registry"], region=parsed["region"], tags=sorted(details[0].get("imageTags") or []))
    summary = details[0].get("imageScanFindingsSummary")
    status = (details[0].get("imageScanStatus") or {}).get("status")
    if summary is not None and status is not None:  # AWS summarises the last scan here: no second call
        counts = {str(k): int(v) for k, v in (summary.get("findingSeverityCounts") or {}).items()}
        return found.model_copy(update={"scan_status": status, "severity_counts": counts})
    where = {"registryId": parsed["registry"], "repositoryName": repository}
    pages = _scan_pages(client, where, found.digest or "")
    status = pages[0].get("imageScanStatus", {}).get("status") if pages else "NOT_SCANNED"
    return found.model_copy(update={"scan_status": status, "severity_counts": _severity_counts(pages or [])})


def fetch(target: AwsTarget, ecs: EcsInventory) -> EcrInventory:
    """The running images (from the ECS section's running task definitions) and their repositories, where the
    spec asks what production runs; nothing elsewhere."""
    if not target.wants.images:
        return EcrInventory(repositories={}, images={})
    images: dict[str, Image | None] = {}
    for role in ROLES:
        reference = _app_image(target, ecs, role)
        with reading(target.env, f"ECR image {reference}"):
            images[role] = _image(target, reference) if reference else None
    repositories: dict[str, Repository | None] = {}
    for location, names in _by_location(target, images).items():
        with reading(target.env, f"ECR repositories {', '.join(names)}{_where(location)}"):
            repositories.update(_repositories(target, names, location))
    return EcrInventory(repositories=repositories, images=images)


def _by_location(target: AwsTarget, images: dict[str, Image | None]) -> dict[Location, list[str]]:
    """Each role's repository, grouped by where it is read: where the role's running image is (another region or
    account), else the environment's own registry."""
    grouped: dict[Location, list[str]] = {}
    for role in ROLES:
        name, image = target.names.repository(role), images.get(role)
        if image is not None and image.unreadable:  # its image checks fail naming why: no second refusal
            continue
        elsewhere = image is not None and image.repository == name and image.unreadable is None
        location = (image.registry, image.region) if elsewhere and image else (None, None)
        if location[1] == target.clients.region:
            location = (location[0], None)
        grouped.setdefault(location, []).append(name)
    return grouped


def _where(location: Location) -> str:
    registry, region = location
    return "".join([f" of account {registry}" if registry else "", f" in {region}" if region else ""])


#: the images the running task definitions (the ecs section's) name
SECTION = Section("ecr", fetch, EcrInventory, services=("ecr",), after="ecs", operations=(
    ("ecr", "DescribeImageScanFindings"),
    ("ecr", "DescribeImages"),
    ("ecr", "DescribeRepositories"),
    ("ecr", "GetRegistryScanningConfiguration"),
))
