"""Smoke-contract operations built on the client: login with the smoke account, tasks that clean up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from envmatrix.errors import EnvmatrixError
from envmatrix.redact import register_secret

if TYPE_CHECKING:
    import httpx

    from envmatrix.http.client import SmokeClient


class LoginFailed(EnvmatrixError):
    """The configured smoke account could not log in (the check cannot run)."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    token_type: str
    refresh_token: str | None
    body_keys: tuple[str, ...]


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The response body as a JSON object, or {} when it is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def login(client: SmokeClient, email: str, password: str) -> httpx.Response:
    response = client.request("POST", client.paths.login, json={"email": email, "password": password})
    if response.status_code == 200:
        _register_tokens(response)
    return response


def _register_tokens(response: httpx.Response) -> None:
    try:
        body = response.json()
    except ValueError:
        return
    if isinstance(body, dict):
        register_secret(*(str(body[k]) for k in ("access_token", "refresh_token") if body.get(k)))


def _configured(client: SmokeClient, account: tuple[str, str] | None, kind: str) -> tuple[str, str]:
    """A configured account, or MissingCredentials naming the two variables that configure it."""
    from envmatrix.http.client import MissingCredentials

    if account is None:
        key, prefix = client.target.env.upper(), f"ENVMATRIX_{kind.upper()}"
        raise MissingCredentials(f"{client.target.env}: no {kind} account configured: set {prefix}_EMAIL_{key} "
                                 f"and {prefix}_PASSWORD_{key}")
    return account


def smoke_account(client: SmokeClient) -> tuple[str, str]:
    return _configured(client, client.target.smoke_account, "smoke")


def unverified_account(client: SmokeClient) -> tuple[str, str]:
    """The configured never-verified account; missing variables fail naming them."""
    return _configured(client, client.target.unverified_account, "unverified")


def smoke_login(client: SmokeClient) -> Tokens:
    """Log in with the configured smoke account; failure to log in is an error, not a finding."""
    from envmatrix.http.client import describe

    email, password = smoke_account(client)
    response = login(client, email, password)
    if response.status_code != 200:
        raise LoginFailed(f"{client.target.env}: smoke account login at {client.url(client.paths.login)} failed: "
                          f"{describe(response)}")
    body: dict[str, Any] = response.json()
    return Tokens(str(body.get("access_token", "")), str(body.get("token_type", "")),
                  body.get("refresh_token"), tuple(sorted(body)))


def new_user_email(client: SmokeClient) -> str:
    """A recognisable throwaway address for the tests that register users."""
    domain = client.target.host or "example.invalid"
    return f"envmatrix-smoke+{uuid.uuid4().hex[:12]}@{domain}"


@dataclass
class TaskLedger:
    """Tasks created by one test; whatever is still there is deleted in teardown, also on failure."""

    client: SmokeClient
    token: str
    created: list[str] = field(default_factory=list)

    def create(self, title: str) -> httpx.Response:
        response = self.client.request("POST", self.client.paths.tasks, token=self.token, json={"title": title})
        try:
            task_id = response.json().get("id") if response.status_code == 201 else None
        except (ValueError, AttributeError):
            task_id = None
        if task_id:
            self.created.append(str(task_id))
        return response

    def delete(self, task_id: str) -> httpx.Response:
        response = self.client.request("DELETE", self.client.paths.task(task_id), token=self.token)
        if response.status_code in (204, 404) and task_id in self.created:
            self.created.remove(task_id)
        return response

    def cleanup(self) -> list[str]:
        """Delete what is left; return the ids that could not be deleted."""
        left = []
        for task_id in list(self.created):
            try:
                status = self.delete(task_id).status_code
            except EnvmatrixError:
                status = 0
            if status not in (204, 404):
                left.append(task_id)
        return left
