"""The sandbox's moto server process: serves on a socket handed over by its parent until stdin closes.

Run as ``python -m envmatrix.sandbox.moto_process <fd> <region> [settled]``. The parent binds the loopback
socket (so the port is known at once and never raced for), passes it down, and keeps this process's stdin open;
when the parent exits for any reason, stdin reaches end-of-file and the server stops with it. ``settled``
(``envmatrix sandbox serve``): a created ECS service starts with its tasks running, as a real account shows it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Any

LOOPBACK = "127.0.0.1"
READY = "envmatrix-moto-ready"
#: moto backends the sandbox uses: loaded before "ready" so the first real requests are fast.
BACKENDS = ("ec2", "elbv2", "acm", "wafv2", "rds", "elasticache", "s3", "secretsmanager", "logs", "sns",
            "ecs", "applicationautoscaling", "cloudwatch", "cloudtrail", "iam", "sts", "budgets", "codedeploy", "ecr",
            "route53", "synthetics")
ACCOUNT = "123456789012"
SETTLED = "settled"


def _warm(app: Any, region: str) -> None:
    from moto.backends import get_backend

    for name in BACKENDS:
        app.app_instances[name] = app.create_app(name)
        backends = get_backend(name)[ACCOUNT]  # type: ignore[call-overload]
        backends[region if region in backends.regions else "aws"]  # s3 is partition-wide


def install_fixes(*, settled: bool) -> None:
    """Every fix the sandbox makes to moto (each module says which gap it closes), in this process only."""
    from envmatrix.sandbox import (
        moto_ce,
        moto_clientvpn,
        moto_cloudtrail,
        moto_cloudwatch,
        moto_codedeploy,
        moto_ecs,
        moto_elasticache,
        moto_rds,
        moto_trail_log,
    )

    moto_ecs.install()
    moto_ecs.install_create_fixes(settled=settled)
    moto_codedeploy.install()
    moto_ce.install()
    moto_elasticache.install()
    moto_rds.install()
    moto_clientvpn.install()
    moto_cloudwatch.install()
    moto_cloudtrail.install()
    moto_trail_log.install()


def serve(fd: int, region: str, *, settled: bool = False) -> None:
    from envmatrix.sandbox import moto_speed

    moto_speed.share_loaders()  # before moto's service modules are imported (EC2's lists regions at import)
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    from envmatrix.sandbox.moto_throttle import Knob, throttled
    from envmatrix.sandbox.moto_trail_log import with_append_endpoint

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    install_fixes(settled=settled)
    app = DomainDispatcherApplication(create_backend_app)
    _warm(app, region)
    moto_speed.warm_models()
    moto_speed.one_key()
    # the throttling fault knob in front of moto (envmatrix.sandbox.moto_throttle): off until a test sets it;
    # the sandbox-only event-append endpoint (moto_trail_log) outside it, never throttled
    server = make_server(LOOPBACK, 0, with_append_endpoint(throttled(app, Knob()), ACCOUNT), threaded=True,
                         request_handler=MotoRequestHandler, fd=fd)
    thread = threading.Thread(target=server.serve_forever, name="moto-server", daemon=True)
    thread.start()
    print(READY, flush=True)
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    os._exit(0)  # nothing to flush or save: an in-memory emulator stops at once


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or not argv[0].isdigit() or argv[2:] not in ([], [SETTLED]):
        print(f"usage: python -m envmatrix.sandbox.moto_process <listening socket fd> <region> [{SETTLED}]",
              file=sys.stderr)
        return 2
    try:
        serve(int(argv[0]), argv[1], settled=argv[2:] == [SETTLED])
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
