"""Who read the environment: the account id, ARN partition and region of the snapshot (sts:GetCallerIdentity)."""

from __future__ import annotations

from typing import Any

from envmatrix.aws.arn import parse_arn
from envmatrix.aws.reading import reading
from envmatrix.aws.section import Section
from envmatrix.aws.session import caller_identity
from envmatrix.aws.target import AwsTarget, Model


class Identity(Model):
    account: str
    partition: str
    region: str


def fetch(target: AwsTarget) -> Identity:
    """GetCallerIdentity needs no permission and returns no secret; the partition is read from the caller's ARN."""
    answer = caller(target)
    arn = parse_arn(str(answer.get("Arn", "")))
    if arn is None:  # an answer without a readable ARN is "could not read", never a guessed partition
        raise ValueError(f"sts:GetCallerIdentity returned no ARN of a known partition: {answer.get('Arn')!r}")
    return Identity(account=str(answer["Account"]), partition=arn.partition, region=target.clients.region)


def caller(target: AwsTarget) -> dict[str, Any]:
    """GetCallerIdentity once per set of clients: the identity section and the account-scoped reads share it."""
    with reading(target.env, "caller identity (sts:GetCallerIdentity)"):
        return caller_identity(target.clients)


SECTION = Section("identity", fetch, Identity, services=("sts",), operations=(
    ("sts", "GetCallerIdentity"),
))
