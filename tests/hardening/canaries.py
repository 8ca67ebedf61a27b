"""Canary secrets for the leak tests: distinctive values planted in inputs, then searched for in every output."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Each value is unique and long enough that finding it anywhere means it leaked (no chance match).
DB_PASSWORD = "cnry-dbpw-4e8b2a61f0"
JWT_SECRET = "cnry-jwt-7f3a9c2e5b1d"
API_KEY = "cnry-apikey-9d1c77aa03"
SMTP_PASSWORD = "cnry-smtppw-55aa0913"
REDIS_PASSWORD = "cnry-redispw-1b2c3d4e"
BASIC_PASSWORD = "cnry-basicpw-3c3c8181"
BEARER_TOKEN = "cnry-bearer-6a6a2f2f90"
OAUTH_SECRET = "cnry-oauth-0d0d4b4b77"
SMOKE_PASSWORD = "cnry-smokepw-2e2e9a9a"

ALL = (DB_PASSWORD, JWT_SECRET, API_KEY, SMTP_PASSWORD, REDIS_PASSWORD, BASIC_PASSWORD, BEARER_TOKEN,
       OAUTH_SECRET, SMOKE_PASSWORD)

# Literal secrets in an env file: each makes SECRETS-PLACEHOLDERS / SECRETS-NO-LITERALS / APP-CORS-ORIGINS fail,
# so the suite prints evidence about exactly these variables.
ENV_LINES: dict[str, str] = {
    "DATABASE_URL": f"DATABASE_URL=postgresql://taskapp:{DB_PASSWORD}@db.internal:5432/tasks",
    "JWT_SECRET_KEY": f"JWT_SECRET_KEY={JWT_SECRET}",
    "DATADOG_API_KEY": f"DATADOG_API_KEY={API_KEY}",
    "SMTP_PASSWORD": f"SMTP_PASSWORD={SMTP_PASSWORD}",
    "CELERY_BROKER_URL": f"CELERY_BROKER_URL=redis://:{REDIS_PASSWORD}@cache.internal:6379/0",
    "CORS_ORIGINS": f"CORS_ORIGINS=https://admin:{BASIC_PASSWORD}@taskmanager.com,https://www.taskmanager.com",
    "OAUTH_GITHUB_CLIENT_SECRET": f"OAUTH_GITHUB_CLIENT_SECRET={OAUTH_SECRET}",
    "WEBHOOK_AUTHORIZATION": f'WEBHOOK_AUTHORIZATION="Bearer {BEARER_TOKEN}"',
}


@dataclass(frozen=True)
class Leak:
    canary: str
    where: str
    context: str


def find_leaks(texts: dict[str, str | bytes], canaries: tuple[str, ...] = ALL) -> list[Leak]:
    """Every (canary, place) where a canary appears, with a little context to show the leak."""
    leaks = []
    for where, text in texts.items():
        data = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        for canary in canaries:
            at = data.find(canary)
            if at != -1:
                leaks.append(Leak(canary, where, data[max(0, at - 80): at + len(canary) + 20]))
    return leaks


def outputs_under(root: Path, *, skip: tuple[str, ...] = ("fixtures", "checks", "smoke")) -> dict[str, bytes]:
    """Every file a run may have written under ``root`` (inputs and sources excluded)."""
    found: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and relative.parts[0] not in skip and "__pycache__" not in relative.parts:
            found[str(relative)] = path.read_bytes()
    return found
