"""Redaction: secret-like names, credentials inside URLs, tokens in HTTP evidence; messages stay readable."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envmatrix.redact import MASK, is_secret_name, redact_data, redact_text, redact_value, register_secret
from envmatrix.verdict import compare

SECRET = "Zq8vR2xLk9pW4mN7"


@pytest.mark.parametrize("name", [
    "JWT_SECRET_KEY", "SMTP_PASSWORD", "DB_PASS", "db-pwd", "DATADOG_API_KEY", "x-api-key", "X-Api-Key", "apikey",
    "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "sessionid", "client_secret", "refresh_token",
    "access_token", "AWS_SECRET_ACCESS_KEY", "aws_session_token", "SENTRY_DSN", "private_key", "SIGNING_KEY",
    "ENCRYPTION_KEY", "MasterUserPassword", "SecretString", "passphrase", "X-Amz-Security-Token", "credentials",
])
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)
    assert redact_value(name, SECRET) == MASK


@pytest.mark.parametrize("name", [
    "JWT_ACCESS_TOKEN_EXPIRE_MINUTES", "JWT_REFRESH_TOKEN_EXPIRE_DAYS", "JWT_ALGORITHM", "token_type",
    "PASSWORD_MIN_LENGTH", "SESSION_TTL", "BYPASS_CACHE", "COMPASS_HEADING", "ENVIRONMENT", "LOG_LEVEL",
    "DATABASE_URL", "SMTP_HOST", "OAUTH_GOOGLE_CLIENT_ID", "SecretArn", "SECRET_NAME", "Key", "KmsKeyId",
])
def test_setting_names_are_not_secrets(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize("template", [
    "postgresql://taskapp:{s}@db.internal:5432/tasks",
    "redis://:{s}@cache:6379/0",
    "amqp://guest:{s}@rabbit@host/vhost",  # password with "@": everything up to the host goes
    "mongodb+srv://user:{s}@cluster0.example.net/db",
    "https://{s}@o1.ingest.sentry.io/42",  # a token as the user part
    "Authorization: Bearer {s}",
    "authorization: Basic {s}",
    "Authorization: Token {s}",
    "Proxy-Authorization: Digest {s}",
    "X-Api-Key: {s}",
    "Cookie: session={s}; theme=dark",
    "Set-Cookie: refresh={s}; HttpOnly; Secure",
    "GET /api/v1/tasks?api_key={s}&page=2",
    "POST /login body=email=a%40b.c&password={s}",
    '{{"email": "smoke@example.com", "password": "{s}"}}',
    '{{"access_token":"{s}","token_type":"bearer"}}',
    "{{'authorization': 'Bearer {s}', 'accept': 'application/json'}}",
    "JWT_SECRET_KEY={s}",
    "export DATADOG_API_KEY='{s}'",
    "aws_secret_access_key = {s}{s}",
    "-----BEGIN PRIVATE KEY-----\n{s}\n-----END PRIVATE KEY-----",
    "GET /health -> 500 Traceback: connect(password={s})",
])
def test_secret_in_free_text_is_masked(template: str) -> None:
    text = template.format(s=SECRET)
    redacted = redact_text(text)
    assert SECRET not in redacted, redacted
    assert MASK in redacted
    assert redact_text(redacted) == redacted  # idempotent


def test_jwt_anywhere_is_masked() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzbW9rZSIsImV4cCI6MX0.c2lnbmF0dXJlLXZhbHVl"
    assert redact_text(f"login -> 200 {token} issued") == f"login -> 200 {MASK} issued"
    unsigned = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."
    assert unsigned not in redact_text(f"token {unsigned}")


@pytest.mark.parametrize("message", [
    "production JWT-ACCESS-MINUTES production.env.JWT_ACCESS_TOKEN_EXPIRE_MINUTES: expected 15, got 30",
    "production SECRETS-PLACEHOLDERS production.env.JWT_SECRET_KEY: expected <from-secrets-manager>, got ***",
    "staging APP-CORS-ORIGINS staging.env.CORS_ORIGINS: expected [\"https://staging.taskmanager.com\"], got []",
    "dev DB-BACKUP-RETENTION rds:dev-taskmanager-db.BackupRetentionPeriod: expected 1, got 7",
    "production AUTH-TOKEN POST /api/v1/auth/login.token_type: expected bearer, got basic",
    "JWT_SECRET_KEY=<from-secrets-manager>",
    "GET https://staging.taskmanager.com/health -> 401 (basic auth required)",
])
def test_ordinary_messages_are_unchanged(message: str) -> None:
    assert redact_text(message) == message


def test_evidence_of_a_secret_setting_never_holds_the_value() -> None:
    evidence = compare(env="production", check_id="SECRETS-PLACEHOLDERS", layer="declared",
                       resource="production.env", setting="JWT_SECRET_KEY", expected="<from-secrets-manager>",
                       actual=SECRET)
    assert SECRET not in evidence.as_json() and not evidence.passed
    assert evidence.message.endswith(f"expected <from-secrets-manager>, got {MASK}")


def test_structures_are_redacted_by_key_and_by_content() -> None:
    data = {
        "containerDefinitions": [{
            "environment": [{"name": "JWT_SECRET_KEY", "value": SECRET}, {"name": "LOG_LEVEL", "value": "INFO"},
                            {"name": "DATABASE_URL", "value": f"postgresql://u:{SECRET}@h/db"}],
            "secrets": [{"name": "SMTP_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:1:secret:x"}],
        }],
        "headers": {"Authorization": f"Bearer {SECRET}", "X-Api-Key": SECRET, "Accept": "*/*"},
        "body": json.dumps({"refresh_token": SECRET}),
    }
    redacted = redact_data(data)
    assert SECRET not in json.dumps(redacted)
    assert redacted["containerDefinitions"][0]["environment"][1]["value"] == "INFO"
    assert redacted["containerDefinitions"][0]["secrets"][0]["valueFrom"].startswith("arn:aws:secretsmanager")


def test_registered_values_are_masked_wherever_they_appear() -> None:
    value = "reg1stered-smoke-pw-Kx7"
    register_secret(value, None, "")
    assert redact_text(f"login as smoke@example.com with {value}!") == f"login as smoke@example.com with {MASK}!"
    assert redact_value("note", f"x{value}x") == f"x{MASK}x"


_ALNUM = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~"),
                 min_size=6, max_size=40).filter(lambda s: any(c.isalnum() for c in s) and MASK not in s)


@settings(max_examples=150, deadline=None)
@given(secret=_ALNUM, template=st.sampled_from([
    "postgresql://app:{s}@db:5432/x", "Authorization: Bearer {s}", "X-Api-Key: {s}", '{{"password": "{s}"}}',
    "?token={s}&a=1", "Cookie: session={s}", "redis://:{s}@cache:6379",
]), prefix=st.text(max_size=30).filter(lambda t: "\n" not in t and "\r" not in t))
def test_any_secret_shape_is_masked(secret: str, template: str, prefix: str) -> None:
    text = ("\n" if template[0].isupper() else " ").join([prefix, template.format(s=secret)])
    assert secret not in redact_text(text).replace(prefix, "", 1)


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=400))
def test_redact_text_never_raises_and_is_idempotent(text: str) -> None:
    once = redact_text(text)
    assert redact_text(once) == once


@pytest.mark.parametrize("blob", [
    "a://" + "x:" * 20_000 + "@",
    "https://u:" + "@" * 50_000,
    ("Authorization: " + "Bearer " * 5_000 + "\n") * 5,
    "k=" + "v" * 200_000,
    '"password": "' + "\\" * 100_000,
])
def test_redaction_is_fast_on_hostile_input(blob: str) -> None:
    """Evidence bodies are attacker-controlled (a service's error page): redaction must stay linear-ish."""
    started = time.perf_counter()
    redact_text(blob)
    assert time.perf_counter() - started < 2.0
