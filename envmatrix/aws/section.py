"""What a snapshot section declares: its name, fetch, model, clients, exact AWS operations, and what it waits for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from envmatrix.aws.target import AwsTarget

#: (botocore service name, operation name), e.g. ("rds", "DescribeDBInstances")
Operation = tuple[str, str]


@dataclass(frozen=True)
class Section:
    """One read of an environment, declared once beside its fetch; everything else is derived from these.

    ``fetch(target)`` returns a ``model``; with ``after`` set, ``fetch(target, found)`` is given what that
    section found, once it has. ``operations`` are exactly the AWS operations the fetch calls (the IAM policy and
    the read-only guard are generated from them). ``services`` are the clients made before any fetch starts (the
    warm-up); a client needed only sometimes, or in another region (Cost Explorer's), is made when needed.
    """

    name: str
    fetch: Callable[..., BaseModel]
    model: type[BaseModel]
    services: tuple[str, ...]
    operations: tuple[Operation, ...]
    after: str | None = None

    def __post_init__(self) -> None:
        if len(set(self.operations)) != len(self.operations):
            raise ValueError(f"section {self.name}: an operation is declared twice")

    def run(self, target: AwsTarget, found: BaseModel | None = None) -> BaseModel:
        """Fetch the section (given what its ``after`` section found, if it waits for one)."""
        return self.fetch(target, found) if self.after else self.fetch(target)
