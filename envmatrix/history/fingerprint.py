"""A finding's stable identity: the same finding tomorrow, after a re-run or a re-created resource, has the same
fingerprint; a finding about another resource or another setting has another one.

The identity is (environment, layer, check id, resource, setting). The resource is read from the first failing
evidence, else from the failure line's head (``<env> <CHECK> <resource>.<setting>: expected …``), and the parts AWS
generates anew when a resource is re-created are normalised away: account ids, ARN regions, task-definition
revisions, EC2-style hex ids, load-balancer and task hex ids, UUIDs, Secrets Manager's random suffix and
timestamps. The expected/actual values are not part of it: a retention that drifts from 3 to 5 days is still the
same open finding. The layer is: the declared and the live side of one check id are two findings to fix.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from envmatrix.reporting.results import CheckResult  # a type only: the core imports no layer


#: ``arn:partition:service:region:account:rest`` (region and account may be empty, e.g. S3)
_ARN = re.compile(r"\barn:aws[a-z-]*:([a-z0-9-]+):[a-z0-9-]*:\d{0,12}:(\S+)")
#: Secrets Manager appends "-" and six random characters to a secret's ARN
_SECRET_SUFFIX = re.compile(r"^(secretsmanager:secret:.+)-[A-Za-z0-9]{6}$")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
#: EC2-family ids: subnet-0abc…, sg-…, vpc-…, i-…, eni-…, rtb-…, igw-…, nat-…, acl-…, ami-…, vol-…, snap-…, lt-…
_EC2_ID = re.compile(r"\b([a-z]{1,8})-[0-9a-f]{8}(?:[0-9a-f]{9})?\b")
#: ELB/target-group/ECS-task hex ids as a path segment: ``app/name/50dc6c495c0c9188``, ``task/cluster/9f3e…``
_HEX_SEGMENT = re.compile(r"(?<=/)[0-9a-f]{16,32}\b")
#: a task-definition revision (``task-definition/family:12``; a port such as ``listener:443`` is no revision)
_REVISION = re.compile(r"(task-definition[:/][A-Za-z0-9_-]+):\d+\b")
_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T-]\d{2}[-:]\d{2}(?:[-:]\d{2})?(?:\.\d+)?Z?)?\b")
_ACCOUNT = re.compile(r"\b\d{12}\b")
#: the failure line's head: ``<env> <CHECK-ID> <resource>.<setting>: expected``
_HEAD = re.compile(r"^\S+ \S+ (?P<resource>.+)\.(?P<setting>[^.\s:]+): expected ")


def normalise_resource(resource: str) -> str:
    """The resource's name with the parts AWS generates for each incarnation replaced by placeholders."""
    text = resource.strip()
    text = _ARN.sub(lambda m: f"{m.group(1)}:{m.group(2)}", text)
    text = _SECRET_SUFFIX.sub(r"\1", text)
    text = _UUID.sub("<id>", text)
    text = _TIMESTAMP.sub("<time>", text)
    text = _EC2_ID.sub(lambda m: f"{m.group(1)}-<id>", text)
    text = _HEX_SEGMENT.sub("<id>", text)
    text = _REVISION.sub(r"\1:<rev>", text)
    return _ACCOUNT.sub("<account>", text)


def identity(result: CheckResult) -> tuple[str, str, str, str, str]:
    """(environment, layer, check id, normalised resource, setting) of the result's finding."""
    failing = [ev for ev in result.evidence if not ev.passed]
    if failing:
        resource, setting = failing[0].resource, failing[0].setting
    else:
        head = _HEAD.match(result.message)
        resource, setting = (head["resource"], head["setting"]) if head else ("", "")
    return result.environment, result.layer, result.check_id, normalise_resource(resource), setting


def fingerprint(result: CheckResult) -> str:
    """16 hex characters naming the finding; equal for the same finding in any run."""
    text = "\x1f".join(identity(result))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
