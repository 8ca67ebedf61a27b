"""Amazon Resource Names: one parser for every ARN the live layer reads, in any AWS partition."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@cache
def partitions() -> frozenset[str]:
    """The partitions botocore knows (aws, aws-cn, aws-us-gov, the ISO ones, ...): the source AWS SDKs share."""
    from botocore.loaders import Loader

    return frozenset(str(item["id"]) for item in Loader().load_data("partitions")["partitions"])


@dataclass(frozen=True)
class Arn:
    """``arn:partition:service:region:account:resource``; ``resource`` keeps its own colons and slashes."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def resource_name(self) -> str:
        """The last part of the resource (``db:name`` -> ``name``, ``loadbalancer/app/x/1`` -> ``1``)."""
        return self.resource.replace("/", ":").split(":")[-1]


def parse_arn(text: str) -> Arn | None:
    """The ARN ``text`` holds, or None when it is not an ARN of a known partition."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[1] not in partitions() or not parts[2] or not parts[5]:
        return None
    return Arn(*parts[1:])


def is_arn(text: str) -> bool:
    return parse_arn(text) is not None
