"""Run one reference-service instance behind HTTPS on a 127.0.0.1 port, in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI

from envmatrix import logsafety
from envmatrix.files import write_bytes_atomic

if TYPE_CHECKING:
    import trustme

STARTUP_TIMEOUT = 10.0
#: Certificates are public (the key is not): readable by all, as the files trustme writes itself.
CERTIFICATE_MODE = 0o644


def write_ca_bundle(ca: trustme.CA, path: Path) -> Path:
    """The run's CA certificate, the bundle the suite is told to trust (through envmatrix.files, as every file)."""
    return write_bytes_atomic(path, ca.cert_pem.bytes(), mode=CERTIFICATE_MODE)


def write_certificate(leaf: trustme.LeafCert, certfile: Path, keyfile: Path) -> tuple[Path, Path]:
    """The leaf's certificate chain and its key; the key is owner-only from the moment it exists."""
    write_bytes_atomic(certfile, b"".join(blob.bytes() for blob in leaf.cert_chain_pems), mode=CERTIFICATE_MODE)
    write_bytes_atomic(keyfile, leaf.private_key_pem.bytes())
    return certfile, keyfile


class TlsServer:
    """A uvicorn server on its own loopback socket; ``port`` is known before it starts serving."""

    def __init__(self, app: FastAPI, certfile: Path, keyfile: Path, *, host: str = "127.0.0.1") -> None:
        self.host = host
        self.app = app
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Inherited by accepted connections: without it Nagle holds the body behind the headers (~40 ms).
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.bind((host, 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app, ssl_certfile=str(certfile), ssl_keyfile=str(keyfile), log_config=None, log_level="warning",
            access_log=False, lifespan="off", server_header=False, timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=f"refservice-{self.port}", daemon=True)

    def _run(self) -> None:
        self._server.run(sockets=[self._socket])

    def start(self) -> TlsServer:
        logsafety.guard()  # uvicorn and asyncio make loggers on this thread
        self._thread.start()
        return self

    def wait_started(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"reference service on {self.host}:{self.port} did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._socket.close()
