"""Credentials of the shapes real accounts hold, with the part of each that must never be shown.

Every value is fake but shaped as the issuer makes it (prefix, alphabet, length), so a detector that knows the
shape finds it. The names they are stored under say nothing (``CONFIG_3``): only the value can give them away.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    kind: str
    value: str
    #: the parts of ``value`` that are the credential: none of them, nor any 6 characters of them, may be shown
    secret: tuple[str, ...]


def _whole(kind: str, value: str) -> Shape:
    return Shape(kind, value, (value,))


_RSA_BODY = ("MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
             "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
             "LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo")
_NESTED_PASSWORD = "N3sted-Pa55w0rd-q7Zx"

SHAPES: tuple[Shape, ...] = (
    _whole("AWS access key id", "AKIAZ7Q4WJ3KX2PLM5TD"),
    _whole("AWS temporary access key id", "ASIAZ7Q4WJ3KX2PLM5TE"),
    Shape("AWS secret access key (credentials file)",
          "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq3Xk9Lm2N",
          ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq3Xk9Lm2N",)),
    Shape("AWS secret access key (JSON)", '{"AccessKeyId": "AKIAZ7Q4WJ3KX2PLM5TF", '
          '"SecretAccessKey": "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"}',
          ("AKIAZ7Q4WJ3KX2PLM5TF", "h8Pq2vLx/9TzR4mWn7Yb+K3dFs6Gj1Ea5Uo0NcVi")),
    _whole("GitHub classic token", "ghp_R7tQ2mXv9LpK4sWz8NcB1yHd6FgJ3eUa0oTi"),
    _whole("GitHub OAuth token", "gho_8kP2xQ7mZt4RwL9vN3cB6yHs1FdJ5gUa0eTi"),
    _whole("GitHub app installation token", "ghs_Yb3Kq8Lm2Xv7Pt4Rw9Nz6Cs1Hd5Fg0Ja3eUo"),
    _whole("GitHub fine-grained token",
           "github_pat_11AB2CDEF0gH3iJkLmNoPq_Rs4TuVwXyZ5aBcDeFgHiJkLmNoPqRsTuVwXyZ6aBcDeFgHiJkLmNoPqRs7TuVw"),
    Shape("Slack incoming webhook", "https://hooks.slack.com/services/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",
          ("T04ABCD1EFG/B05HIJK2LMN/xQ7mZt4RwL9vN3cB6yHs1FdJ",)),
    _whole("Slack bot token", "xoxb-2417361845-5893021776421-Rk8Lm2Xv7Pt4Rw9Nz6Cs1Hd5"),
    Shape("Discord webhook", "https://discord.com/api/webhooks/1184357291046389812/"
          "Qm7Zt4RwL9vN3cB6yHs1FdJ5gUa0eTiXk2Pq8Lm3Xv7Pt4Rw9Nz6Cs1Hd5Fg0Ja3eUoYb3Kq8",
          ("Qm7Zt4RwL9vN3cB6yHs1FdJ5gUa0eTiXk2Pq8Lm3Xv7Pt4Rw9Nz6Cs1Hd5Fg0Ja3eUoYb3Kq8",)),
    Shape("Microsoft Teams webhook",
          "https://contoso.webhook.office.com/webhookb2/7f3a9c2e-5b1d-4e8b-a61f-0d0d4b4b7712@"
          "72f988bf-86f1-41af-91ab-2d7cd011db47/IncomingWebhook/9d1c77aa03e84b5f8a2c6d1e0f3b4a59/"
          "3c3c8181-55aa-4913-b2c3-d4e1b2c3d4e5",
          ("7f3a9c2e-5b1d-4e8b-a61f-0d0d4b4b7712", "9d1c77aa03e84b5f8a2c6d1e0f3b4a59",
           "3c3c8181-55aa-4913-b2c3-d4e1b2c3d4e5")),
    _whole("Stripe live secret key", "sk_live_51NzQ7mZt4RwL9vN3cB6yHs1FdJ5gUa0eTiXk2Pq8Lm3Xv7Pt4Rw9Nz6Cs1Hd5Fg0Ja3eUoYb"
           "3Kq8Lm2Xv7Pt4Rw9Nz6Cs1Hd00AbCdEf"),
    _whole("Stripe restricted key", "rk_live_51NzQ7mZt4RwL9vN3cB6yHs1FdJ5gUa0eTiXk2Pq8"),
    _whole("JWT", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJvcHMtYm90IiwiaWF0IjoxNzMzNDQ1NjAwfQ."
           "Xk2Pq8Lm3Xv7Pt4Rw9Nz6Cs1Hd5Fg0Ja3eUoYb3Kq8Lm"),
    Shape("RSA private key block (escaped newlines, as in a variable)",
          "-----BEGIN RSA PRIVATE KEY-----\\n" + _RSA_BODY.replace("\n", "\\n") + "\\n-----END RSA PRIVATE KEY-----",
          tuple(_RSA_BODY.splitlines())),
    Shape("OpenSSH private key block", "-----BEGIN OPENSSH PRIVATE KEY-----\n" + _RSA_BODY +
          "\n-----END OPENSSH PRIVATE KEY-----", tuple(_RSA_BODY.splitlines())),
    Shape("URL password with / and = (base64)", "postgresql://taskapp:Zm9vL2Jhcj0/cXV4K3p5=@db.internal:5432/tasks",
          ("Zm9vL2Jhcj0/cXV4K3p5=",)),
    Shape("URL password with @", "amqp://worker:p@ss-W0rd-8Kq@rabbit.internal:5672/tasks", ("p@ss-W0rd-8Kq",)),
    Shape("Sentry DSN", "https://3f9a1c2e5b7d4e8ba61f0d0d4b4b7712@o4504123.ingest.sentry.io/4504123456789",
          ("3f9a1c2e5b7d4e8ba61f0d0d4b4b7712",)),
    Shape("JSON nested inside a JSON string",
          json.dumps({"config": json.dumps({"db": {"password": _NESTED_PASSWORD}})}), (_NESTED_PASSWORD,)),
    _whole("SendGrid API key", "SG.Rk8Lm2Xv7Pt4Rw9Nz6Cs1H.d5Fg0Ja3eUoYb3Kq8Lm2Xv7Pt4Rw9Nz6Cs1Hd5Fg0Ja3e"),
    Shape("npm token in an .npmrc line", "//registry.npmjs.org/:_authToken=npm_Rk8Lm2Xv7Pt4Rw9Nz6Cs1Hd5Fg0Ja3eUoYb3K",
          ("npm_Rk8Lm2Xv7Pt4Rw9Nz6Cs1Hd5Fg0Ja3eUoYb3K",)),
    _whole("PyPI token", "pypi-AgEIcHlwaS5vcmcCJDRhYmMxMjM0LWFiY2QtNDU2Ny04OWFiLWNkZWYwMTIzNDU2NwACKlszLCJhYmMxMjM0"
           "LWFiY2QtNDU2Ny04OWFiLWNkZWYwMTIzNDU2NyJdAAAGIB"),
    _whole("GitLab token", "glpat-Rk8Lm2Xv7Pt4Rw9Nz6Cs"),
    _whole("Google API key", "AIzaSyD4Rk8Lm2Xv7Pt4Rw9Nz6Cs1Hd5Fg0Ja3e"),
    _whole("Twilio API key", "SK2b7e4d9c1a3f5e8b0d6c4a2e9f1b3d5c"),
    Shape("Azure storage connection string",
          "DefaultEndpointsProtocol=https;AccountName=tasksstore;AccountKey="
          "Rk8Lm2Xv7Pt4Rw9Nz6Cs1Hd5Fg0Ja3eUoYb3Kq8Lm2Xv7Pt4Rw9Nz6Cs1Hd5Fg0Ja3eUoYb3Kq8Lm2Xv7Pt4Rw9N==;"
          "EndpointSuffix=core.windows.net",
          ("Rk8Lm2Xv7Pt4Rw9Nz6Cs1Hd5Fg0Ja3eUoYb3Kq8Lm2Xv7Pt4Rw9Nz6Cs1Hd5Fg0Ja3eUoYb3Kq8Lm2Xv7Pt4Rw9N==",)),
    _whole("Telegram bot token", "5829301746:AAHk8Lm2Xv7Pt4Rw9Nz6Cs1Hd5Fg0Ja3eUo"),
    Shape("Basic credentials in a header", "Authorization: Basic b3BzLWJvdDpSazhMbTJYdjdQdDRSdzk=",
          ("b3BzLWJvdDpSazhMbTJYdjdQdDRSdzk=",)),
    Shape("Signed S3 URL", "https://tasks-exports.s3.amazonaws.com/r.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"
          "&X-Amz-Credential=AKIAZ7Q4WJ3KX2PLM5TG%2F20261206%2Fus-east-1%2Fs3%2Faws4_request"
          "&X-Amz-Signature=4c8d2e6f0a1b3c5d7e9f2a4b6c8d0e1f3a5b7c9d1e3f5a7b9c0d2e4f6a8b0c1d",
          ("AKIAZ7Q4WJ3KX2PLM5TG", "4c8d2e6f0a1b3c5d7e9f2a4b6c8d0e1f3a5b7c9d1e3f5a7b9c0d2e4f6a8b0c1d")),
)

#: Variable names real teams give credentials, which the name rules must call secret.
SECRET_NAMES: tuple[str, ...] = (
    "STRIPE_KEY", "GITHUB_PAT", "GH_PAT", "SLACK_WEBHOOK", "SLACK_WEBHOOK_URL", "DISCORD_HOOK_URL", "TEAMS_WEBHOOK",
    "NPM_AUTH", "BASIC_AUTH", "HTTP_AUTH_HEADER", "SENTRY_DSN", "DB_PASS", "SMTPPASS", "REDIS_PW", "ADMIN_PWD",
    "API_TOKN", "DEPLOY_TKN", "CI_TOK", "MONGO_CONNECTION_STRING", "CREDS_JSON",
)


def chunks(secret: str, size: int = 6) -> set[str]:
    """Every ``size``-character piece of ``secret``: finding one of them in an output is a (partial) leak."""
    return {secret[index:index + size] for index in range(max(len(secret) - size + 1, 1))}
