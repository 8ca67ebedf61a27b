"""One sandbox environment being provisioned: its inputs, its plain boto3 clients and the ids created so far.

Provisioning is the only code in envmatrix that writes to AWS; it uses its own plain boto3 clients
(never the live layer's guarded ones) and only ever talks to the sandbox endpoint it is given.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.config import Config

from envmatrix.aws.session import new_session
from envmatrix.declared import EnvFile, Tfvars
from envmatrix.sandbox.naming import SandboxNames
from envmatrix.sandbox.world import Registry, WorldEnv

#: Fake credentials: the sandbox accepts anything, and real ones must never be sent to it.
SANDBOX_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}  # noqa: S105
_CLIENT_CONFIG = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=3, read_timeout=30)


class SandboxClients:
    """Plain (unguarded) boto3 clients for one sandbox endpoint, made once from one session and shared.

    Creating clients is the slow part (service models are loaded per session), so they are made under a
    lock from a single session and then shared: botocore clients are safe to use from several threads.
    """

    def __init__(self, endpoint: str, credentials: dict[str, str] | None = None) -> None:
        """``credentials`` (boto3's keyword names): whose requests these are; default the sandbox's fake keys,
        which the sandbox's CloudTrail attributes to the account's root."""
        self.endpoint = endpoint
        self._session = new_session(  # shares the suite's loader: each service model is parsed once per run
            **(credentials or SANDBOX_CREDENTIALS))
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str) -> Any:
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self._session.client(  # type: ignore[call-overload]
                    service, region_name=region, endpoint_url=self.endpoint, config=_CLIENT_CONFIG,
                )
            return self._clients[key]


@dataclass
class ProvisionTarget:
    """One environment being provisioned: its inputs, its clients and the ids created so far.

    The inputs are what a real deployment is built from: the tfvars (Terraform), the env file (the
    pipeline) and the sandbox's world description; never the spec the suite checks against.
    """

    env: str
    clients: SandboxClients
    tfvars: Tfvars
    env_file: EnvFile
    world: WorldEnv
    secret_marker: str
    names: SandboxNames = field(init=False)
    ids: dict[str, str] = field(default_factory=dict)
    subnets: list[str] = field(default_factory=list)
    registry: Registry | None = None  # the one ECR registry all environments pull from (world.yaml)

    def __post_init__(self) -> None:
        self.names = SandboxNames(self.env)

    @property
    def region(self) -> str:
        return self.tfvars.aws_region

    def client(self, service: str) -> Any:
        return self.clients.client(service, self.region)

    @property
    def tags(self) -> dict[str, str]:
        return self.names.tags(dict(self.world.tags))

    def tag_list(self, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
        """Tags in the list shape most AWS APIs take (``[{"Key": k, "Value": v}]``, ECS: key/value)."""
        return [{key: k, value: v} for k, v in self.tags.items()]

    def tag_spec(self, resource_type: str) -> list[dict[str, Any]]:
        """EC2 TagSpecifications, optionally with an extra Name tag."""
        return [{"ResourceType": resource_type, "Tags": self.tag_list()}]

    def named_tag_spec(self, resource_type: str, name: str) -> list[dict[str, Any]]:
        return [{"ResourceType": resource_type, "Tags": [*self.tag_list(), {"Key": "Name", "Value": name}]}]


Step = Callable[[ProvisionTarget], None]
