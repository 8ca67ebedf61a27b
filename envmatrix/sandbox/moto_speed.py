"""Speed of the sandbox's moto server: what moto 5.2 does again and again, done once per server process.

Every sandbox a test starts pays the server's boot and its first requests, so they decide how fast the suite's
own tests run. Measured with py-spy (bench/sandbox_bench.py has the figures), moto spends most of them parsing
the same botocore JSON again:

- each ``boto3.Session()`` moto makes (three at EC2's import to list its regions, one per backend for its
  regions) brings a new botocore loader, which parses the service model again; and moto's own
  ``get_service_model`` asks ``create_loader()`` for a new loader at each first use of a service, which scans
  the ~400 service folders again. Here every botocore session shares one loader, and moto one of its own.
- the first requests of a service arrive together from the provisioning's threads and all miss moto's
  unlocked caches of the service's model and request router, each parsing the model. Here the models and
  routers of every service the sandbox serves are made before the server says it is ready (while its parent
  builds its own clients).
- ACM makes a new 2048-bit RSA key for every certificate it issues (0.1-0.2 s of CPU each); nothing reads the
  emulator's keys, so one key made at boot serves every certificate and key pair.

None of it changes an answer: the models, routers and the key are what moto would have made, made once.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

#: botocore names of every service the sandbox serves: provisioning writes them, the suite and the faults read
#: them (tests/sandbox/test_provision.py proves it covers the suite's allow-list and provisioning's clients).
SERVED = ("acm", "application-autoscaling", "budgets", "ce", "cloudfront", "cloudtrail", "cloudwatch", "codedeploy",
          "ec2", "ecr", "ecs", "elasticache", "elbv2", "iam", "logs", "rds", "route53", "s3", "s3control",
          "secretsmanager", "sns", "sts", "synthetics", "wafv2")
_RSA = (65537, 2048)  # the key every moto model here asks for (public exponent, size)

T = TypeVar("T")


def _once(make: Callable[..., T]) -> Callable[..., T]:
    """``functools.cache`` that also makes each value once when threads ask for it together."""
    made: dict[tuple[Any, ...], T] = {}
    lock = threading.Lock()

    @functools.wraps(make)
    def cached(*args: Any) -> T:
        if args not in made:
            with lock:
                if args not in made:
                    made[args] = make(*args)
        return made[args]

    cached._envmatrix = True  # type: ignore[attr-defined]
    return cached


class _OncePaths(list[str]):
    """A shared loader's search paths: boto3 appends its data folder for every session; keep it once."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


def _shared(create: Callable[..., Any]) -> Callable[..., Any]:
    def create_shared(*args: Any) -> Any:
        loader = create(*args)
        loader._search_paths = _OncePaths(loader.search_paths)
        return loader
    return _once(create_shared)


def share_loaders() -> None:
    """One botocore loader for every botocore session of this process, one for moto's own models.

    Before moto's service modules are imported: EC2's lists its regions through new sessions at import."""
    import botocore.session
    import moto.core.utils
    from moto.core import loaders

    if getattr(botocore.session.create_loader, "_envmatrix", False):
        return
    botocore.session.create_loader = _shared(botocore.session.create_loader)
    moto.core.utils.create_loader = _shared(loaders.create_loader)  # type: ignore[attr-defined]
    # moto caches a service's model and router, but without a lock: threads missing together each parse the model
    moto.core.utils.get_service_model = _once(  # type: ignore[assignment]
        getattr(moto.core.utils.get_service_model, "__wrapped__", moto.core.utils.get_service_model))
    from moto.core import responses, routing

    # the modules that imported them by name (moto.core.errors imports it at each use)
    routing.get_service_model = moto.core.utils.get_service_model  # type: ignore[attr-defined]
    responses.get_service_model = moto.core.utils.get_service_model  # type: ignore[attr-defined]
    routing.get_service_router = _once(  # type: ignore[assignment]
        getattr(routing.get_service_router, "__wrapped__", routing.get_service_router))
    responses.get_service_router = routing.get_service_router  # type: ignore[attr-defined]


def one_key() -> None:
    """One RSA key of moto's usual size for this whole process, made now, for every certificate and key pair."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    original = rsa.generate_private_key
    if getattr(original, "_envmatrix", False):
        return
    key = original(*_RSA)

    def generate_private_key(public_exponent: int, key_size: int, backend: Any = None) -> Any:
        if (public_exponent, key_size) == _RSA:
            return key
        return original(public_exponent, key_size)

    generate_private_key._envmatrix = True  # type: ignore[attr-defined]
    rsa.generate_private_key = generate_private_key


def warm_models(services: tuple[str, ...] = SERVED) -> None:
    """The model and request router of each of ``services``, made before the first request needs them."""
    from moto.core.routing import get_service_router
    from werkzeug.exceptions import NotFound

    for service in services:
        router = get_service_router(service)
        try:  # moto builds a service's router of each protocol on its first request in that protocol
            router._get_router(router._service_model.protocol)  # noqa: SLF001
        except NotFound:  # a protocol moto routes otherwise: its first request builds what it needs
            pass
