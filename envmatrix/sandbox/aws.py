"""The embedded AWS: a moto server on a free loopback port, provisioned with the three environments."""

from __future__ import annotations

import datetime as dt
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from envmatrix.context import Suite
from envmatrix.errors import EnvmatrixError
from envmatrix.sandbox.moto_process import LOOPBACK, READY, SETTLED
from envmatrix.sandbox.moto_throttle import KNOB as THROTTLE_KNOB
from envmatrix.sandbox.provision import provision_env
from envmatrix.sandbox.provision_ops import bill, queue_bill
from envmatrix.sandbox.provision_target import SANDBOX_CREDENTIALS, ProvisionTarget, SandboxClients
from envmatrix.sandbox.provision_trail import applied_earlier, deploy_clients
from envmatrix.sandbox.world import World, default_world


class SandboxError(EnvmatrixError):
    """The embedded sandbox could not be started or provisioned."""


@dataclass
class RunningAws:
    """A running, provisioned moto server. ``stop()`` shuts it down (idempotent)."""

    endpoint: str
    region: str
    environments: tuple[str, ...]
    provision_seconds: float = 0.0
    _server: Any = field(default=None, repr=False)
    _pool: SandboxClients | None = field(default=None, repr=False)
    _deployers: dict[str, SandboxClients] = field(default_factory=dict, repr=False)

    @property
    def clients(self) -> SandboxClients:
        if self._pool is None:
            self._pool = SandboxClients(self.endpoint)
        return self._pool

    def env_vars(self) -> dict[str, str]:
        """What a process needs to use this sandbox through boto3 or the AWS CLI (fake credentials)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": SANDBOX_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": SANDBOX_CREDENTIALS["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self, service: str, region: str | None = None) -> Any:
        """A plain, writable boto3 client for this sandbox (provisioning and fault injection only)."""
        return self.clients.client(service, region or self.region)

    def deployer(self, env: str) -> SandboxClients:
        """Clients acting as ``env``'s CI deploy role (its changes are automation in the sandbox's CloudTrail)."""
        if env not in self._deployers:
            self._deployers[env] = deploy_clients(self.clients, env, self.region)
        return self._deployers[env]

    def reset(self) -> None:
        """Forget every resource (moto's reset API); follow with ``provision``."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback sandbox only
            pass
        self._deployers.clear()  # their sessions are forgotten with everything else

    def throttle(self, operations: Iterable[str], *, first: int = 0, fraction: float = 0.0,
                 seed: int = 0) -> dict[str, Any]:
        """Answer AWS's throttling error to each of ``operations`` ("rds:DescribeDBInstances", or "*": every
        call) for its first ``first`` requests, then to ``fraction`` of the rest (a fault knob of the moto server:
        envmatrix.sandbox.moto_throttle); with no operations, stop. What it saw and throttled so far."""
        settings = {"operations": list(operations), "first": first, "fraction": fraction, "seed": seed}
        return self._knob("POST", json.dumps(settings).encode())

    def throttled(self) -> dict[str, Any]:
        """{"seen": {operation: requests}, "throttled": {operation: requests}} since the knob was last set."""
        return self._knob("GET")

    def _knob(self, method: str, body: bytes | None = None) -> dict[str, Any]:
        request = urllib.request.Request(f"{self.endpoint}{THROTTLE_KNOB}", data=body, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback sandbox only
            found: dict[str, Any] = json.loads(answer.read())
        return found

    def provision(self, suite: Suite, environments: Iterable[str] | None = None) -> float:
        """Provision ``environments`` (default: the world's); returns the wall time in seconds."""
        envs = tuple(environments or default_world().environments)
        started = time.perf_counter()
        provision(suite, self.clients, envs)
        self.environments = envs
        self.provision_seconds = time.perf_counter() - started
        return self.provision_seconds

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()


def _target(suite: Suite, env: str, clients: SandboxClients, world: World) -> ProvisionTarget:
    """The deployment's inputs: tfvars and env file (from the suite's paths) and the world; not the spec."""
    target = ProvisionTarget(env=env, clients=clients, tfvars=suite.tfvars(env), env_file=suite.env_file(env),
                    world=world.env(env), secret_marker=world.secret_marker, registry=world.registry)
    if target.world.buckets.log_archive and target.tfvars.log_archive_days is None:
        raise SandboxError(f"sandbox: the world gives {env} a log archive bucket, its tfvars no log_archive_days")
    return target


#: how long ago the world's apply is dated in the sandbox's CloudTrail: before the 24 hours a nightly run reads
APPLIED_AGE = dt.timedelta(days=2)


def _as_pipeline(target: ProvisionTarget) -> None:
    """Provision ``target`` as its CI pipeline does: through the environment's deploy role (provision_trail.py),
    so the sandbox's CloudTrail holds the clean world's changes as automation."""
    target.clients = applied_earlier(deploy_clients(target.clients, target.env, target.region), APPLIED_AGE)
    provision_env(target)


def provision(suite: Suite, clients: SandboxClients, environments: Iterable[str], world: World | None = None) -> None:
    """Create every environment's resources through ``clients``, environments in parallel threads."""
    world = world or default_world()
    targets = [_target(suite, env, clients, world) for env in environments]  # inputs first: clear input errors
    with ThreadPoolExecutor(max_workers=max(1, len(targets))) as pool:
        futures = {target.env: pool.submit(_as_pipeline, target) for target in targets}
    for env, future in futures.items():
        try:
            future.result()
        except (ClientError, BotoCoreError) as exc:
            raise SandboxError(f"sandbox: provisioning {env} failed: {exc}") from exc
    queue_bill(clients.endpoint, bill(world, [target.env for target in targets]))  # one bill: every environment


class MotoProcess:
    """A moto server in a child process, serving on a loopback socket bound here (port known at once)."""

    def __init__(self, region: str, port: int = 0, *, settled: bool = False) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((LOOPBACK, port))
        except OSError:
            listener.close()
            raise
        listener.listen(128)
        self.port: int = listener.getsockname()[1]
        self._stderr = tempfile.TemporaryFile()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "envmatrix.sandbox.moto_process", str(listener.fileno()), region,
                 *([SETTLED] if settled else [])],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                pass_fds=[listener.fileno()], text=True,
                env={**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"},
            )
        finally:
            listener.close()

    def wait_ready(self, timeout: float) -> None:
        assert self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], timeout)
        line = self._process.stdout.readline().strip() if ready else ""
        if line != READY:
            self._stderr.seek(0)
            tail = self._stderr.read().decode(errors="replace").strip().splitlines()[-3:]
            self.stop()
            reason = " / ".join(tail) or f"not ready within {timeout:.0f} s"
            raise SandboxError(f"sandbox: the moto server did not start: {reason}")

    def stop(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()  # the server's signal to stop
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
        self._stderr.close()


#: Every service provisioning touches; their clients are made while the server process boots.
SERVICES = ("ec2", "elbv2", "acm", "wafv2", "rds", "elasticache", "s3", "secretsmanager", "logs", "sns",
            "ecs", "application-autoscaling", "cloudwatch", "cloudtrail", "iam", "sts", "budgets", "codedeploy", "ecr",
            "route53", "synthetics")
START_TIMEOUT = 60.0


def start_server(region: str, *, port: int = 0, settled: bool = False) -> RunningAws:
    """Start the sandbox's moto server (its fixes installed) on a loopback port, empty, and wait until it serves.

    ``settled``: created ECS services start with their tasks running (``envmatrix sandbox serve``).
    """
    try:
        server = MotoProcess(region, port, settled=settled)
    except OSError as exc:
        where = f"{LOOPBACK}:{port}" if port else LOOPBACK
        raise SandboxError(f"sandbox: cannot start the moto server on {where}: {exc.strerror or exc}") from None
    running = RunningAws(endpoint=f"http://{LOOPBACK}:{server.port}", region=region, environments=(),
                         _server=server)
    try:
        for service in SERVICES:  # made while the server process boots
            running.client(service)
        server.wait_ready(START_TIMEOUT)
    except BaseException:
        running.stop()
        raise
    return running


def start_aws(suite: Suite, environments: Iterable[str] | None = None, *, port: int = 0) -> RunningAws:
    """Start a moto server on a loopback port (default: a free one) and provision the environments.

    ``environments`` defaults to the world's. The server runs in a child process that stops when ``stop()``
    is called or this process exits.
    """
    envs = tuple(environments or default_world().environments)
    running = start_server(suite.tfvars(envs[0]).aws_region, port=port)
    try:
        running.provision(suite, envs)
    except BaseException:
        running.stop()
        raise
    return running
