"""Who read the environment: the account id, ARN partition and region of the snapshot (sts:GetCallerIdentity)."""

from __future__ import annotations

import threading
import weakref
from typing import Any

from envmatrix.aws.arn import parse_arn
from envmatrix.aws.reading import reading
from envmatrix.aws.target import Model, Target

#: per STS client (one per set of clients; forgotten with it): the caller identity it answered
_answers: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


class Identity(Model):
    account: str
    partition: str
    region: str


def fetch(target: Target) -> Identity:
    """GetCallerIdentity needs no permission and returns no secret; the partition is read from the caller's ARN."""
    answer = caller(target)
    arn = parse_arn(str(answer.get("Arn", "")))
    if arn is None:  # an answer without a readable ARN is "could not read", never a guessed partition
        raise ValueError(f"sts:GetCallerIdentity returned no ARN of a known partition: {answer.get('Arn')!r}")
    return Identity(account=str(answer["Account"]), partition=arn.partition, region=target.clients.region)


def caller(target: Target) -> dict[str, Any]:
    """GetCallerIdentity once per set of clients: the identity section and the account-scoped reads share it."""
    sts = target.clients.client("sts")
    with _lock:
        if sts not in _answers:
            with reading(target.env, "caller identity (sts:GetCallerIdentity)"):
                _answers[sts] = dict(sts.get_caller_identity())
        return _answers[sts]
