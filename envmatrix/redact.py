"""Redaction: secrets recognised by name, by the values the run knows and by shape, masked before any output."""

from __future__ import annotations

import functools
import json
import re
import threading
from typing import Any
from urllib.parse import quote, quote_plus

from envmatrix.secret_shapes import mask_shapes

MASK = "***"
_SECRET_NAME = re.compile(
    r"(SECRET|PASSWORD|PASSWD|PASSPHRASE|(?:^|[_.-])(?:PASS|PWD|PW|PAT|TOK|TKN)(?:$|[_.-])|(?<!BY)(?<!COM)PASS$"
    r"|TOKEN|TOKN|API[_-]?KEY|ACCESS[_-]?KEY|(?:SIGNING|ENCRYPTION|MASTER|PRIVATE)[_-]?KEY|[_.-]KEY(?:S|_B64|_BASE64)?$"
    r"|HMAC|FERNET"
    r"|PRIVATE|CREDENTIAL|CREDS|DSN|AUTH(?!OR(?!IZATION))|WEBHOOK|HOOK[_-]?URL|COOKIE|SESSION"
    r"|CONN(?:ECTION)?[_-]?STR(?:ING)?)",
    re.IGNORECASE,
)
#: Settings about a secret, not the secret itself (JWT_ACCESS_TOKEN_EXPIRE_MINUTES, token_type, SESSION_TTL,
#: OAUTH_GOOGLE_CLIENT_ID).
_NOT_SECRET_NAME = re.compile(
    r"(_EXPIRE|_EXPIRY|_MINUTES|_DAYS|_SECONDS|_TIMEOUT|_TTL|_ALGORITHM|_LENGTH|_LIMIT|TYPE$|ARN$|NAME$"
    r"|(?:^|[_.-])IDS?$|_ENABLED$|_PROVIDER$|_MODE$|_USER$|_HOST$|_PORT$|_DOMAIN$|_ISSUER$|_AUDIENCE$|_PATH$"
    r"|_PREFIX$|_STORE$|_SAMESITE$|_REGION$|_SUBNETS?$|(?<!HOOK)_UR[LI]S?$|TOKENIZER|AUTH0|PUBLIC|MAX_TOKENS"
    r"|(?:^|[_.-])(?:SORT|PARTITION|CACHE|PRIMARY|FOREIGN|IDEMPOTENCY|ROUTING|OBJECT|S3|KMS)[_-]KEY$)",
    re.IGNORECASE,
)
#: Values that are never a credential whatever their name says (ENABLE_BASIC_AUTH=true).
_FLAG_VALUES = frozenset({"true", "false", "yes", "no", "on", "off", "0", "1", "none", "null", ""})
URL_CREDENTIALS = _URL_USERINFO = re.compile(
    # The password runs to the last "@" before the host: passwords may hold "@", "/", "'" and "=" (base64);
    # hosts may not. It never runs over another "://": each URL is scanned once (linear time on hostile text).
    r"(?<![a-z0-9+.-])(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>(?:(?!://)[^\s\"<>])+)@"
    r"(?=[^@/\s]*(?:[/\s?#\"',;)<>]|$))",
    re.IGNORECASE,
)
#: A user part alone is a credential too (Sentry DSN keys, tokens in git URLs): https://TOKEN@host/.
_URL_USER_ONLY = re.compile(
    r"(?<![a-z0-9+.-])(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s*]{8,})@", re.IGNORECASE
)
#: On the scheme's own line: "Basic" ending a line, then "X-Api-Key: v", is a word and a header.
_AUTH_SCHEME = re.compile(r"(?i)\b(bearer|basic)[ \t]+[A-Za-z0-9._~+/=-]{6,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_AWS_SECRET = re.compile(r"(?i)(aws_secret_access_key|aws_session_token)(\W+)[A-Za-z0-9/+=]{16,}")
_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY[A-Z ]*-----.*?(?:-----END [A-Z ]*PRIVATE KEY[A-Z ]*-----|$)",
                  re.DOTALL)
# Each pattern starts where a name or scheme starts (the look-behinds): linear time on hostile text.
# name=value (query strings, form bodies, env lines, cookies) and "name": "value" (JSON, Python reprs).
_ASSIGNMENT = re.compile(
    r"(?<![A-Za-z0-9_.-])(?P<key>-{0,2}[A-Za-z_][A-Za-z0-9_.-]*)(?P<sep>=)(?P<value>\"[^\"\n]*\"|'[^'\n]*'|[^\s&;,\"'<>]+)"
)
_QUOTED_PAIR = re.compile(
    r"(?P<key>[\"'][A-Za-z_][A-Za-z0-9_.-]*[\"'])(?P<sep>\s*:\s*)(?P<value>\"(?:[^\"\\]|\\.)*\"|'[^']*')"
)
# JSON inside a JSON string ({"body": "{\"password\": \"x\"}"}): the value runs to the quote, escaped as its
# key's quotes are, that ends the member.
_ESCAPED_PAIR = re.compile(
    r'(?<!\\)(?P<key>(?P<q>\\{1,3})"[A-Za-z_][A-Za-z0-9_.-]*(?P=q)")(?P<sep>\s*:\s*)'
    r'(?P<value>(?P=q)".{0,4096}?(?P=q)"(?=\s*(?:[,}\]]|\\|$)))'
)
# HTTP header lines (evidence of requests and responses) and YAML keys ("X-Api-Key: value", "db_password: value")
# up to the end of the line.
_HEADER_LINE = re.compile(
    r"(?im)^(?P<key>[ \t]*(?:-[ \t]+)?[A-Za-z][A-Za-z0-9_-]*)(?P<sep>[ \t]*:[ \t]*)(?P<value>[^\r\n]+)")

#: How far past the cut ``clip`` still redacts: longer than any credential (a 4096-bit PEM key is ~3.3k), so a
#: secret that starts before the cut is seen whole, while a 10 MB error page costs no more than 64k of work.
CLIP_MARGIN = 65_536

# Command lines: --password VALUE (the "=" form is an assignment); <password>VALUE</password> (XML bodies).
_FLAG_ARGUMENT = re.compile(r"(?<!\S)(?P<key>--?[A-Za-z][A-Za-z0-9_-]*)(?P<sep>[ \t]+)(?P<value>[^\s-][^\s]*)")
_XML_ELEMENT = re.compile(r"<(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)(?P<sep>>)(?P<value>[^<]{1,4096})</(?P=key)>")

_known: set[str] = set()
_lock = threading.Lock()


def register_secret(*values: str | None) -> None:
    """Remember values that must never be printed (smoke passwords, tokens, generated secrets)."""
    with _lock:
        _known.update(value for value in values if value and len(value) >= 4)


def known_secrets() -> list[str]:
    """The registered secret values, longest first (to hand to another process, e.g. an xdist worker)."""
    with _lock:
        return sorted(_known, key=len, reverse=True)


def is_secret_name(name: str) -> bool:
    """True for names whose values are secrets (JWT_SECRET_KEY), not for their settings (..._EXPIRE_MINUTES)."""
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET_NAME.search(name)


_SCHEME_PREFIX = re.compile(r"(?i)^(?:bearer|basic|token|digest|negotiate|aws4-hmac-sha256)\s+")


def _mask_pair(match: re.Match[str]) -> str:
    key, value = match["key"].strip().strip("\"'\\").lstrip("- \t"), match["value"]
    quote = _quote_of(value)
    inner = value[len(quote):len(value) - len(quote)] if quote else value
    scheme = _SCHEME_PREFIX.match(inner)  # keep "Bearer" in "Authorization: Bearer ***": it tells the kind
    secret = inner[scheme.end():] if scheme else inner
    if not is_secret_name(key) or _is_placeholder(secret) or secret.strip() == MASK or _is_flag(secret):
        return match.group(0)
    return f"{match['key']}{match['sep']}{quote}{scheme.group(0) if scheme else ''}{MASK}{quote}"


def _mask_element(match: re.Match[str]) -> str:
    masked = _mask_pair(match)
    return match.group(0) if masked == match.group(0) else f"<{masked}</{match['key']}>"


def _quote_of(value: str) -> str:
    """The quote around ``value`` ('"', "'", or an escaped '\\"'), or "" when it is bare."""
    for mark in ('\\"', '"', "'"):
        if len(value) >= 2 * len(mark) and value.startswith(mark) and value.endswith(mark):
            return mark
    return ""


@functools.cache
def _spellings(value: str) -> frozenset[str]:
    """The ways a known value appears in text: as it is, JSON- or Python-escaped, URL-encoded (worked out once
    per value: every text the run redacts is searched for every spelling of every known value)."""
    found = {value, json.dumps(value)[1:-1], repr(value)[1:-1], quote(value, safe=""), quote_plus(value)}
    return frozenset(spelling for spelling in found if len(spelling) >= 4)


def _mask_known(text: str) -> str:
    """Mask every known value in every spelling; overlapping ones are masked as one span (replacing one after
    another would leave the part of the second that the first did not cover)."""
    spans: list[tuple[int, int]] = []
    for value in known_secrets():
        for spelling in _spellings(value):
            start = text.find(spelling)
            while start != -1:
                spans.append((start, start + len(spelling)))
                start = text.find(spelling, start + 1)
    if not spans:
        return text
    out, position = [], 0
    for start, end in _merged(spans):
        out += [text[position:start], MASK]
        position = end
    return "".join([*out, text[position:]])


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def redact_text(text: str) -> str:
    """Scrub credentials from free text (messages, HTTP evidence, logs, values read from AWS).

    The values the run knows go first, whole, so that no other rule can split one and leave a part of it;
    then the shapes (detect-secrets and ours), then credentials in URLs and headers, then secret-named pairs.
    """
    text = _mask_known(text)
    text = _PEM.sub(MASK, text)
    text = mask_shapes(text, MASK)
    text = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    text = _URL_USER_ONLY.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = _AUTH_SCHEME.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _JWT.sub(MASK, text)
    text = _AWS_SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _HEADER_LINE.sub(_mask_pair, text)
    text = _ESCAPED_PAIR.sub(_mask_pair, text)
    text = _QUOTED_PAIR.sub(_mask_pair, text)
    text = _XML_ELEMENT.sub(_mask_element, text)
    text = _FLAG_ARGUMENT.sub(_mask_pair, text)
    return _ASSIGNMENT.sub(_mask_pair, text)


def clip(text: str, limit: int, *, fold: bool = False) -> str:
    """The one way to shorten text that may hold a secret: redact it whole, then fold whitespace (``fold``),
    then cut it to ``limit`` characters ending in "…". Cutting first would leave a secret that straddles the
    cut unrecognisable, and its first part would be shown."""
    text = redact_text(text[: limit + CLIP_MARGIN])
    if fold:
        text = " ".join(text.split())
    return text if len(text) <= limit else (text[: limit - 1] + "…" if limit > 0 else "")


def quoted_piece(text: str, limit: int, key: str = "") -> str:
    """A piece of a bad input line for its error message: redacted whole, then shortened; nothing of a
    secret-named variable's value (the piece may be the tail of a password)."""
    head = text.split(maxsplit=1)[0] if text.split() else ""
    if is_secret_name(key) or is_secret_name(head.split("=")[0]):
        return "<value hidden: a secret-named variable>"
    return repr(clip(text, limit))


def redact_value(name: str, value: Any) -> Any:
    """Redact one named value: whole value for secret-like names, credentials found by shape otherwise."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if is_secret_name(name) and not _is_placeholder(value) and not _is_flag(value):
        return MASK
    if isinstance(value, str):
        return redact_text(value)
    return redact_data(value)


def literal_credential(name: str, value: str) -> bool:
    """True when a plain ``name=value`` setting carries a credential: by its name, or by its value's shape."""
    return bool(value) and redact_value(name, value) != value


def _is_placeholder(value: Any) -> bool:
    """``<from-secrets-manager>``, or a reference to where the secret lives (an ARN), not the secret."""
    return isinstance(value, str) and (value.startswith("<") and value.endswith(">") or value.startswith("arn:aws"))


def _is_flag(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in _FLAG_VALUES


def redact_data(data: Any, *, key: str = "") -> Any:
    """Recursively redact a JSON-like structure (snapshots, evidence)."""
    if isinstance(data, dict):
        for name_key, value_key in _PAIR_KEYS:
            if {name_key, value_key} <= data.keys() and isinstance(data.get(name_key), str):
                # ECS-style {"name": X, "value": Y} pairs and AWS tags {"Key": X, "Value": Y}: the name decides.
                rest = {k: redact_data(v, key=str(k)) for k, v in data.items() if k not in (name_key, value_key)}
                return {**rest, name_key: data[name_key], value_key: redact_value(data[name_key], data[value_key])}
        return {k: redact_data(v, key=str(k)) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [redact_data(item, key=key) for item in data]
    return redact_value(key, data) if key else (redact_text(data) if isinstance(data, str) else data)


_PAIR_KEYS: tuple[tuple[str, str], ...] = (("name", "value"), ("Name", "Value"), ("Key", "Value"), ("key", "value"))
