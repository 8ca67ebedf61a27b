"""The suite's least-privilege IAM policy: every read it calls, as IAM actions, and nothing else."""

from __future__ import annotations

import json
from typing import Any

from envmatrix.aws.section import Operation
from envmatrix.aws.sections import operations
from envmatrix.aws.session import CALLER_SIDE as CALLER_SIDE  # not granted here: taking the role (see session)

#: Every AWS operation the suite calls, as (botocore service name, operation name): what the sections under
#: envmatrix/aws/ declare (envmatrix.aws.sections); tests/live/test_iam_policy.py proves a whole run stays inside.
OPERATIONS: tuple[Operation, ...] = operations()

#: IAM's service prefix where it differs from botocore's service name.
_PREFIXES: dict[str, str] = {"elbv2": "elasticloadbalancing", "s3control": "s3"}

#: The one table of API operations whose IAM action is not named after the operation (S3 mostly).
_RENAMED: dict[tuple[str, str], str] = {
    ("budgets", "DescribeBudget"): "budgets:ViewBudget",
    ("budgets", "DescribeNotificationsForBudget"): "budgets:ViewBudget",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "GetBucketLifecycleConfiguration"): "s3:GetLifecycleConfiguration",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
}

POLICY_SID = "EnvmatrixReadOnly"


def iam_action(service: str, operation: str) -> str:
    """The IAM action authorising ``operation`` of botocore service ``service``."""
    return _RENAMED.get((service, operation)) or f"{_PREFIXES.get(service, service)}:{operation}"


def actions() -> list[str]:
    """The policy's actions, sorted and without duplicates."""
    return sorted({iam_action(service, operation) for service, operation in OPERATIONS})


def policy() -> dict[str, Any]:
    """The IAM policy document: allow exactly the suite's reads (most Describe/List calls take no resource ARN)."""
    return {"Version": "2012-10-17",
            "Statement": [{"Sid": POLICY_SID, "Effect": "Allow", "Action": actions(), "Resource": "*"}]}


def policy_json() -> str:
    """The policy as shipped in iam/envmatrix-readonly.json."""
    return json.dumps(policy(), indent=2) + "\n"
