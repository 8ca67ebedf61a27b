"""Credentials travel only over TLS: which URLs may carry a login, a token or a webhook secret."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from envmatrix.errors import UsageError

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


def check_url(option: str, url: str) -> str:
    """``url`` without a trailing slash; UsageError naming ``option`` unless it is https (or http to loopback)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UsageError(f"{option}: {url!r} is not an http(s) URL with a host")
    if parts.username or parts.password:
        raise UsageError(f"{option}: credentials must not be part of the URL; use environment variables")
    if plain_http_to_remote(url):  # it will carry the smoke login, basic auth or the GitHub token
        raise UsageError(f"{option}: {url!r} is plain http to {parts.hostname}; {RULE}")
    return url.rstrip("/")
