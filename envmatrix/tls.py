"""Credentials travel only over TLS: which URLs may carry a login, a token or a webhook secret."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

#: Said wherever a URL is refused for it.
RULE = "credentials travel only over https (plain http only to a loopback host: 127.0.0.0/8, ::1, localhost)"


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: this machine, where the sandbox listens."""
    host = host.lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_to_remote(url: str) -> bool:
    """True for an ``http://`` URL whose host is not loopback: it would send its credentials in the clear."""
    parts = urlsplit(url.strip())
    return parts.scheme.lower() == "http" and not is_loopback(parts.hostname or "")
