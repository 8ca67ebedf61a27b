"""boto3 sessions per environment: ordinary chain, optional profile / role, bounded timeouts, guarded.

boto3 and botocore are imported where a session is first made, so a run without the live layer never loads
them; every session shares one botocore loader, so each service model is parsed once per process.
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from envmatrix.aws import throttle
from envmatrix.aws.guard import CALLER_SIDE as GUARD_CALLER_SIDE
from envmatrix.aws.guard import guard_session
from envmatrix.aws.reading import Once
from envmatrix.config import AwsConfig, EnvConfig
from envmatrix.errors import InventoryUnavailable
from envmatrix.redact import register_secret

if TYPE_CHECKING:
    import boto3
    import botocore.session
    from botocore.config import Config
    from botocore.loaders import Loader

SESSION_NAME = "envmatrix-audit"
#: The one operation made outside the sections: taking the configured role. Not granted by the IAM policy: it is
#: the caller's own permission (its identity policy plus the role's trust policy), not a read made with the role.
CALLER_SIDE = GUARD_CALLER_SIDE
#: Client creation is not thread-safe within a session, and the loader is shared by every session; creation
#: is CPU-bound anyway, so one lock for all of it costs nothing and parses each model exactly once.
_creating = threading.RLock()


@functools.cache
def shared_loader() -> Loader:
    """The one botocore data loader of this process: it parses and caches the service models, the expensive
    part of making a client, for every session (they differ in credentials and region, never in models)."""
    import botocore.loaders

    from envmatrix.aws import model_cache

    loader = botocore.loaders.create_loader(os.environ.get("AWS_DATA_PATH"))
    model_cache.install(loader)  # parsed once per botocore install, not once per run
    one_listing_at_a_time(loader)
    return loader


def one_listing_at_a_time(loader: Loader) -> None:
    """botocore remembers a loader's listing of its service folders (per kind of file), but fills that memory
    without a lock: the snapshot threads asking for their first paginator at the same moment each listed all of
    botocore's ~420 service folders (23 listings of paginators-1 in a 3-environment run, ~18 ms each). Listed one
    at a time, the first lists and the others read what it found."""
    listing = loader.list_available_services
    lock = threading.Lock()

    def list_available_services(type_name: str) -> list[str]:
        with lock:
            return listing(type_name)

    loader.list_available_services = list_available_services  # type: ignore[method-assign]


def core_session(profile: str | None = None) -> botocore.session.Session:
    """A botocore session of its own (credentials, config, events: the guard) sharing the process's loader.

    Its profile is read at once, so a missing one fails here (as ``boto3.Session`` would), not at a client.
    """
    import botocore.session

    session = botocore.session.Session(profile=profile)
    session.register_component("data_loader", shared_loader())
    session.get_scoped_config()
    return session


def new_session(profile_name: str | None = None, **kwargs: Any) -> boto3.Session:
    """``boto3.Session(profile_name=..., **kwargs)`` on a :func:`core_session`."""
    import boto3

    with _creating:
        loader = shared_loader()
        paths = list(loader.search_paths)
        session = boto3.Session(botocore_session=core_session(profile_name), **kwargs)
        # boto3 appends its own data folder to the (now shared) loader for every session: keep it once
        loader.search_paths[:] = list(dict.fromkeys([*paths, *loader.search_paths]))
    return session


def client_config(aws: AwsConfig, region: str) -> Config:
    """Bounded timeouts and retries, so a dead endpoint fails in seconds."""
    from botocore.config import Config

    return Config(
        region_name=region,
        connect_timeout=aws.connect_timeout,
        read_timeout=aws.read_timeout,
        retries={"mode": "standard", "max_attempts": aws.max_attempts},
        max_pool_connections=20,
        user_agent_extra="envmatrix",
    )


def _assume_role(env: str, base: boto3.Session, target: EnvConfig, config: Config, region: str) -> boto3.Session:
    from botocore.exceptions import BotoCoreError, ClientError

    extra: dict[str, Any] = {"ExternalId": target.external_id} if target.external_id else {}
    try:
        with _creating:
            sts: Any = base.client("sts", config=config)
        answer = sts.assume_role(RoleArn=str(target.role_arn), RoleSessionName=SESSION_NAME, **extra)
    except (ClientError, BotoCoreError) as exc:
        raise InventoryUnavailable(env, f"role {target.role_arn}", f"cannot assume role: {exc}") from None
    credentials = answer["Credentials"]
    register_secret(credentials["SecretAccessKey"], credentials["SessionToken"])
    session = new_session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )
    return guard_session(session)


def make_session(env: str, target: EnvConfig, aws: AwsConfig, region: str) -> boto3.Session:
    """A guarded session for ``env``: the profile if configured, then the role to assume if configured."""
    from botocore.exceptions import BotoCoreError

    try:
        base = guard_session(new_session(profile_name=target.profile, region_name=region))
    except BotoCoreError as exc:
        raise InventoryUnavailable(env, f"profile {target.profile}", str(exc)) from None
    if target.role_arn:
        return _assume_role(env, base, target, client_config(aws, region), region)
    return base


@dataclass
class Clients:
    """Guarded clients of one session, made once each (client creation is not thread-safe; clients are); each
    takes its requests from the rate budget of its account, region and service (envmatrix.aws.throttle)."""

    env: str
    session: boto3.Session
    config: Config
    #: requests per second per account, region and service ([aws] max_rate)
    max_rate: float = 20.0
    _made: dict[str, Any] = field(default_factory=dict)
    _account: list[str] = field(default_factory=list)
    _account_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def region(self) -> str:
        """The region the environment is read in (a resource elsewhere is read with ``client(..., region)``)."""
        return str(getattr(self.config, "region_name", None) or self.session.region_name)

    def client(self, service: str, region: str | None = None) -> Any:
        """The guarded client of ``service`` in the session's region, or in ``region`` (a cross-region replica)."""
        from botocore.config import Config

        key = f"{service}@{region}" if region and region != self.region else service
        made = self._made.get(key)
        if made is not None:  # the common case, without waiting for another environment's client creation
            return made
        with _creating:
            if key not in self._made:
                config = self.config.merge(Config(region_name=region)) if key != service else self.config
                self._made[key] = self.session.client(service, config=config)  # type: ignore[call-overload]
                if service == "s3control" and os.environ.get("AWS_ENDPOINT_URL"):
                    use_emulator_endpoint(self._made[key], os.environ["AWS_ENDPOINT_URL"])
                throttle.install(self._made[key], self.account_key, self.max_rate)
            return self._made[key]

    def account_key(self) -> str:
        """The account whose rate budget these clients take from: its id, asked once; where it cannot be read,
        a budget of these clients' own (their reads then fail or pass on their own answers, never on this)."""
        with self._account_lock:
            if not self._account:
                try:
                    self._account.append(str(caller_identity(self)["Account"]))
                except Exception:  # noqa: BLE001 - the budget's key only: the identity section reports the reason
                    self._account.append(f"clients-{id(self)}")
            return self._account[0]

    def prepare(self, services: tuple[str, ...]) -> None:
        for service in services:
            self.client(service)


#: Environments read through the same session share one caller: asked once per STS client (forgotten with it).
_CALLERS = Once()


def caller_identity(clients: Any) -> dict[str, Any]:
    """GetCallerIdentity of ``clients`` (Clients, or a stand-in with ``client()``), asked once per STS client: the
    identity section, the account-scoped reads and the rate budget (which names its account with it) share it."""
    sts = clients.client("sts")
    answer: dict[str, Any] = _CALLERS.get(id(sts), sts.get_caller_identity, sts)
    return dict(answer)


def use_emulator_endpoint(client: Any, endpoint: str) -> None:
    """S3 Control puts the account id in the host (``<account>.<endpoint>``), which an emulator on a loopback
    address cannot answer: send ``client``'s requests to the emulator's endpoint itself, as it expects."""
    target = urlsplit(endpoint).netloc

    def rewrite(request: Any, **_: Any) -> None:
        parts = urlsplit(request.url)
        if target and parts.netloc.endswith("." + target):
            request.url = urlunsplit(parts._replace(netloc=target))
            request.headers["Host"] = target

    client.meta.events.register("before-send.s3-control", rewrite, unique_id="envmatrix-emulator-s3control")


def access_label(target: EnvConfig) -> str:
    """Where an environment's credentials come from, as its configuration says (never a credential)."""
    via = f"profile {target.profile}" if target.profile else "the default credential chain"
    return f"role {target.role_arn} assumed with {via}" if target.role_arn else via


def missing_credentials(clients: Clients, target: EnvConfig) -> str:
    """"" when the session has credentials, else one line saying so and where they were looked for.

    Resolved once, before any read: without credentials every call would fail alike, once per section and check.
    """
    from botocore.exceptions import BotoCoreError

    try:
        found = clients.session.get_credentials()
    except BotoCoreError as exc:
        return f"no usable AWS credentials ({access_label(target)}): {exc}"
    if found is not None:
        return ""
    where = (f"profile {target.profile}" if target.profile else "the default chain: environment variables "
             "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, shared credentials and config files, SSO, "
             "instance or container role")
    return (f"no AWS credentials found ({where}); set one, or a profile or role_arn under "
            f"[environments.<name>] in envmatrix.toml")


_cache: dict[tuple[str | None, ...], Clients] = {}
_cache_lock = threading.Lock()


def clients_for(env: str, target: EnvConfig, aws: AwsConfig, region: str) -> Clients:
    """Clients for ``env``; environments with the same access settings share one session and its clients."""
    key = (target.profile, target.role_arn, target.external_id, region, os.environ.get("AWS_ENDPOINT_URL"))
    with _cache_lock:
        if key not in _cache:
            session = make_session(env, target, aws, region)
            _cache[key] = Clients(env, session, client_config(aws, region), max_rate=aws.max_rate)
        return _cache[key]


def forget_sessions() -> None:
    """Drop cached sessions (tests change AWS_ENDPOINT_URL between runs) and the rate budgets with them."""
    with _cache_lock:
        _cache.clear()
    throttle.forget_budgets()
