"""The sandbox's moto server does once what moto does again and again (envmatrix/sandbox/moto_speed.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from envmatrix.aws.iam import OPERATIONS
from envmatrix.sandbox.aws import SERVICES
from envmatrix.sandbox.moto_speed import SERVED


def test_every_service_asked_for_is_served_warm() -> None:
    """The models made before "ready" cover what provisioning writes and what the suite reads."""
    assert set(SERVICES) <= set(SERVED)
    assert {service for service, _ in OPERATIONS} <= set(SERVED)


# In a process of its own: the patches are for the server process only, never this one's botocore.
PROBE = textwrap.dedent("""
    import threading
    import boto3, botocore.loaders
    from envmatrix.sandbox import moto_speed

    moto_speed.share_loaders()
    moto_speed.share_loaders()  # idempotent
    first, second = boto3.Session(), boto3.Session()
    assert first._loader is second._loader
    paths = first._loader.search_paths
    assert len(paths) == len(set(paths)), paths  # boto3's data folder once, however many sessions

    parsed, load = [], botocore.loaders.JSONFileLoader.load_file
    def counted(self, path, *args, **kwargs):
        parsed.append(path)
        return load(self, path, *args, **kwargs)
    botocore.loaders.JSONFileLoader.load_file = counted
    from moto.core import utils
    models = []
    threads = [threading.Thread(target=lambda: models.append(utils.get_service_model("sqs"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(models) == 8 and all(model is models[0] for model in models)
    assert len([path for path in parsed if path.endswith("botocore/data/sqs/2012-11-05/service-2")]) == 1, parsed

    moto_speed.warm_models(("acm", "s3"))
    from moto.core.routing import get_service_router
    assert get_service_router("s3") is get_service_router("s3")

    moto_speed.one_key()
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert rsa.generate_private_key(65537, 2048) is key
    assert rsa.generate_private_key(65537, 1024).key_size == 1024
    print("ok")
""")


def test_loaders_models_and_key_are_made_once() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]
