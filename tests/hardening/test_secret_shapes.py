"""Credentials found by their shape, whatever they are named: no output shows them, or any 6 characters of them."""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Iterator

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from envmatrix import redact
from envmatrix.aws.reading import tag_dict
from envmatrix.http.client import describe
from envmatrix.redact import clip, is_secret_name, literal_credential, redact_data, redact_text, redact_value
from envmatrix.reporting.notify import compose
from envmatrix.reporting.results import CheckResult
from envmatrix.scrub import scrub
from envmatrix.verdict import compare
from tests.hardening.secret_corpus import SECRET_NAMES, SHAPES, Shape, chunks

INNOCENT = "CONFIG_3"  # a name that says nothing: only the value's shape can give it away


def _leaks(shape: Shape, text: str) -> list[str]:
    return sorted(piece for secret in shape.secret for piece in chunks(secret) if piece in text)


def _message(value: str) -> str:
    return f"production SECRETS-NO-LITERALS ecs-task-definition:api.{INNOCENT}: expected none, got {value} (see)"


def _failed(message: str) -> CheckResult:
    return CheckResult("checks/live/test_security.py::x[production]", "SECRETS-NO-LITERALS", "production", "live",
                       "security", "security", "high", status="fail", kind="misconfiguration", message=message)


#: Every way a value read from AWS or the service becomes text the suite shows (reports and the terminal are
#: proven end to end in test_sandbox_full_run.py; each of them is built from these).
OUTPUTS: dict[str, Callable[[str], str]] = {
    "free text": lambda value: redact_text(_message(value)),
    "a named value": lambda value: str(redact_value(INNOCENT, value)),
    "a task-definition variable": lambda value: json.dumps(redact_data(
        {"environment": [{"name": INNOCENT, "value": value}]})),
    "a tag value": lambda value: json.dumps(tag_dict([{"Key": "owner-config", "Value": value}])),
    "a tag key": lambda value: json.dumps(scrub({"tags": {value: "x"}})),
    "the snapshot file": lambda value: json.dumps(scrub({"body": value, "note": f"saw {value} there"})),
    "a failure message": lambda value: compare(env="production", check_id="X", layer="live", resource="api",
                                               setting=INNOCENT, expected="none", actual=value).message,
    "a failure's evidence": lambda value: compare(env="production", check_id="X", layer="live", resource="api",
                                                  setting=INNOCENT, expected="none", actual=value).as_json(),
    "a shortened message": lambda value: clip(_message(value), 80),
    "an HTTP body": lambda value: describe(httpx.Response(500, text=f"<pre>error: {value}</pre>")),
    "the drift webhook": lambda value: compose([_failed(_message(value))], None, ["production"], None, "r.html"),
}


@pytest.mark.parametrize("output", OUTPUTS, ids=list(OUTPUTS))
@pytest.mark.parametrize("shape", SHAPES, ids=[shape.kind for shape in SHAPES])
def test_no_output_shows_a_credential_by_shape(shape: Shape, output: str) -> None:
    shown = OUTPUTS[output](shape.value)
    assert _leaks(shape, shown) == [], shown


def test_the_corpus_is_big_enough_and_each_shape_is_a_literal() -> None:
    assert len(SHAPES) >= 25
    missed = [shape.kind for shape in SHAPES if not literal_credential(INNOCENT, shape.value)]
    assert missed == []


@pytest.mark.parametrize("shape", SHAPES, ids=[shape.kind for shape in SHAPES])
def test_a_credential_cut_anywhere_shows_no_part(shape: Shape) -> None:
    text = _message(shape.value)
    start = text.index(shape.value)
    for cut in range(start, start + len(shape.value) + 1, 3):
        shown = clip(text, cut)
        assert _leaks(shape, shown) == [], (cut, shown)


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_credential_names(name: str) -> None:
    assert is_secret_name(name)
    assert literal_credential(name, "q7Zx-N3sted")
    assert redact_text(f"{name}=q7Zx-N3sted") == f"{name}=***"


@pytest.mark.parametrize(("name", "value"), [
    ("ENABLE_BASIC_AUTH", "false"), ("SESSION_COOKIE_SECURE", "True"), ("AUTH_PROVIDER", "google"),
    ("OAUTH_GOOGLE_CLIENT_ID", "1234-abc.apps.googleusercontent.com"), ("CACHE_KEY_PREFIX", "tasks"),
    ("SIGNING_KEY_ID", "k-2026-12"), ("WEBHOOK_TIMEOUT_SECONDS", "10"), ("BASIC_AUTH_USER", "beta"),
    ("AUTHOR", "ops"), ("COMPASS", "north"), ("BYPASS", "yes-please"), ("Key", "Environment"),
    ("IMAGE", "123456789012.dkr.ecr.us-east-1.amazonaws.com/taskmanager-api@sha256:" + "ab" * 32),
    ("ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:taskmanager/production/jwt-secret-AbCdEf"),
    ("DATABASE_URL", "postgresql://taskapp@db.internal:5432/tasks"),
    ("HEALTH_URL", "https://api.taskmanager.com/health?verbose=1"),
])
def test_settings_that_only_look_like_credentials(name: str, value: str) -> None:
    assert not literal_credential(name, value)
    assert redact_value(name, value) == value


def test_a_422_that_echoes_the_password_across_the_cut() -> None:
    """FastAPI's 422 echoes the submitted password in ``input``: a key that no name rule knows."""
    password = "Sm0ke-pw-7f3a9c2e5b1d4e8b"
    body = {"detail": [{"type": "string_too_long", "loc": ["body", "password"], "msg": "too long",
                        "input": password}]}
    response = httpx.Response(422, json=body)
    saved = set(redact._known)
    try:
        redact.register_secret(password)
        for limit in range(len(response.text) - len(password) - 5, len(response.text)):
            shown = describe(response, limit)
            assert not [piece for piece in chunks(password) if piece in shown], (limit, shown)
    finally:
        redact._known.clear()
        redact._known.update(saved)


def test_an_opaque_refresh_token_across_the_cut() -> None:
    token = "rt_" + "Qm7Zt4RwL9vN3cB6yHs1FdJ5gUa0eTiX"
    saved = set(redact._known)
    try:
        redact.register_secret(token)
        text = json.dumps({"access_token": "***", "refresh_token_value": token, "token_type": "bearer"})
        for limit in range(text.index(token), len(text)):
            shown = describe(httpx.Response(200, text=text), limit)
            assert not [piece for piece in chunks(token) if piece in shown], (limit, shown)
    finally:
        redact._known.clear()
        redact._known.update(saved)


@pytest.fixture
def registry() -> Iterator[None]:
    saved = set(redact._known)
    yield
    redact._known.clear()
    redact._known.update(saved)


_SECRET_ALPHABET = string.ascii_letters + string.digits + "-_.~+/=@:%!#$^&()[]{}"  # no "*" (the mask), no space


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=st.text(_SECRET_ALPHABET, min_size=6, max_size=48), before=st.text(max_size=120),
       after=st.text(max_size=120), cut=st.integers(min_value=0, max_value=320), fold=st.booleans())
def test_clip_never_shows_six_characters_of_a_registered_secret(registry: None, secret: str, before: str,
                                                                after: str, cut: int, fold: bool) -> None:
    pieces = chunks(secret)
    assume(not any(piece in before or piece in after for piece in pieces))
    redact.register_secret(secret)
    try:
        shown = clip(before + secret + after, cut, fold=fold)
    finally:
        redact._known.discard(secret)
    assert len(shown) <= cut
    assert not [piece for piece in pieces if piece in shown], shown
