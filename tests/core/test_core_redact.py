"""Redaction corpus: every secret form the suite can meet is masked exactly; look-alikes stay readable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from envmatrix import redact
from envmatrix.redact import (
    MASK,
    clip,
    is_secret_name,
    known_secrets,
    literal_credential,
    redact_data,
    redact_text,
    redact_value,
)

S = "Zq8vR2xLk9pW4mN7"


@pytest.fixture(autouse=True)
def _fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    # The registry is process-wide: each test starts from an empty one.
    monkeypatch.setattr(redact, "_known", set())


# (input, exact expected output): the form around the secret is kept, only the value goes.
CORPUS = [
    # env files: bare, double-quoted, single-quoted, exported, any case
    (f"JWT_SECRET_KEY={S}", "JWT_SECRET_KEY=***"),
    (f'JWT_SECRET_KEY="{S}"', 'JWT_SECRET_KEY="***"'),
    (f"DB_PASSWORD='{S}'", "DB_PASSWORD='***'"),
    (f"export DATADOG_API_KEY={S}", "export DATADOG_API_KEY=***"),
    (f"smtp_password={S}", "smtp_password=***"),
    (f"SMTP_PASSWORD={S} # comment", "SMTP_PASSWORD=*** # comment"),
    # JSON, Python repr
    (f'{{"password": "{S}"}}', '{"password": "***"}'),
    (f'{{"password":"{S}","user":"bob"}}', '{"password":"***","user":"bob"}'),
    (f'{{"password": "a\\"{S}"}}', '{"password": "***"}'),
    (f"{{'password': '{S}'}}", "{'password': '***'}"),
    (f"{{'client_secret': '{S}', 'client_id': 'web'}}", "{'client_secret': '***', 'client_id': 'web'}"),
    (f"{{'Authorization': 'Token {S}'}}", "{'Authorization': 'Token ***'}"),
    # YAML and HTTP header lines (indented, any case)
    (f"db_password: {S}", "db_password: ***"),
    (f"  db_password: {S}\n  host: db", "  db_password: ***\n  host: db"),
    (f"- pwd: {S}", "- pwd: ***"),  # a YAML list item: the name is judged without its "- "
    (f"X-Api-Key: {S}", "X-Api-Key: ***"),
    (f"x-api-key:{S}", "x-api-key:***"),
    (f"host: a\nX-Api-Key: {S}\r\naccept: */*", "host: a\nX-Api-Key: ***\r\naccept: */*"),
    (f"Authorization: Token {S}", "Authorization: Token ***"),
    (f"Authorization: token {S}", "Authorization: token ***"),
    (f"Authorization: Digest {S}", "Authorization: Digest ***"),
    (f"Authorization: Negotiate {S}", "Authorization: Negotiate ***"),
    (f"Authorization: AWS4-HMAC-SHA256 {S}", "Authorization: AWS4-HMAC-SHA256 ***"),
    (f"Authorization: {S}", "Authorization: ***"),
    (f"Authorization: '{S}'", "Authorization: '***'"),
    (f"Authorization: Bearer {S}", "Authorization: Bearer ***"),
    # bearer/basic anywhere in a line, any case
    (f"curl -H 'Authorization: Bearer {S}' https://api", "curl -H 'Authorization: Bearer ***' https://api"),
    (f"sent bearer {S} upstream", "sent bearer *** upstream"),
    (f"sent BASIC {S} upstream", "sent BASIC *** upstream"),
    # cookies
    (f"Cookie: session={S}; theme=dark", "Cookie: ***"),
    (f"Set-Cookie: refresh={S}; HttpOnly", "Set-Cookie: ***"),
    (f"sent session={S}; theme=dark", "sent session=***; theme=dark"),
    # query strings and form bodies
    (f"GET /tasks?api_key={S}&page=2", "GET /tasks?api_key=***&page=2"),
    (f"GET /tasks?page=2&access_token={S}", "GET /tasks?page=2&access_token=***"),
    (f"body=email=a%40b.c&password={S}", "body=email=a%40b.c&password=***"),
    (f"connect(password={S}, host=db)", "connect(password=***, host=db)"),
    (f"<a password={S}>", "<a password=***>"),
    # URLs in any case
    (f"postgresql://taskapp:{S}@db.internal:5432/tasks", "postgresql://taskapp:***@db.internal:5432/tasks"),
    (f"POSTGRESQL://TaskApp:{S}@DB/tasks", "POSTGRESQL://TaskApp:***@DB/tasks"),
    (f"redis://:{S}@cache:6379/0", "redis://:***@cache:6379/0"),
    (f"amqp://guest:{S}@x@rabbit/vhost", "amqp://guest:***@rabbit/vhost"),
    (f"url=redis://u:{S}@cache end", "url=redis://u:***@cache end"),
    (f"see redis://u:{S}@cache", "see redis://u:***@cache"),
    (f"https://{S}@o1.ingest.sentry.io/42", "https://***@o1.ingest.sentry.io/42"),
    (f"HTTPS://{S}@host/x", "HTTPS://***@host/x"),
    (f"git+https://{S}@github.com/o/r", "git+https://***@github.com/o/r"),
    # AWS credentials files and env vars, any case
    (f"aws_secret_access_key = {S}{S}", "aws_secret_access_key = ***"),
    (f"AWS_SECRET_ACCESS_KEY = {S}{S}", "AWS_SECRET_ACCESS_KEY = ***"),
    (f"aws_session_token: {S}{S}", "aws_session_token: ***"),
    (f"set aws_session_token {S}{S} now", "set aws_session_token *** now"),
    # PEM blocks (whole block, any key kind, truncated too), JWTs
    (f"key:\n-----BEGIN PRIVATE KEY-----\n{S}\n{S}\n-----END PRIVATE KEY-----\nend", "key:\n***\nend"),
    (f"-----BEGIN RSA PRIVATE KEY-----\n{S}\n-----END RSA PRIVATE KEY-----", "***"),
    (f"-----BEGIN EC PRIVATE KEY-----\n{S}\n-----END EC PRIVATE KEY-----", "***"),
    (f"-----BEGIN OPENSSH PRIVATE KEY-----\n{S}\n", "***\n"),
    ("login -> 200 eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzbW9rZSJ9.c2lnbmF0dXJl issued", "login -> 200 *** issued"),
    ("token eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0. end", "token *** end"),
    # XML bodies: the element's value goes, its tags stay
    (f"<password>{S}</password>", "<password>***</password>"),
    (f"<Login><user>bob</user><db_password>{S}</db_password></Login>",
     "<Login><user>bob</user><db_password>***</db_password></Login>"),
]


@pytest.mark.parametrize(("text", "expected"), CORPUS)
def test_corpus_is_masked_exactly(text: str, expected: str) -> None:
    assert redact_text(text) == expected
    assert redact_text(expected) == expected  # idempotent


# Look-alikes: no secret in them, they must come out unchanged.
READABLE = [
    "production JWT-ACCESS-MINUTES production.env.JWT_ACCESS_TOKEN_EXPIRE_MINUTES: expected 15, got 30",
    "JWT_ACCESS_TOKEN_EXPIRE_MINUTES=15",
    "SESSION_TTL=3600",
    "token_type: bearer",
    '{"token_type": "bearer"}',
    "JWT_SECRET_KEY=<from-secrets-manager>",
    '{"password": "<from-secrets-manager>"}',
    "password: <set-in-secrets-manager>",
    'password: ""',
    '{"password": ""}',
    "PASSWORD=***",
    "Authorization: Token <from-secrets-manager>",
    "Authorization: Bearer ***",
    "Authorization: Bearer ***",
    "Authorization: ***",
    "SecretArn: arn:aws:secretsmanager:us-east-1:210987654321:secret:prod-db",
    "SECRET_NAME=prod/taskmanager/db",
    "LOG_LEVEL=INFO",
    "host: db.internal",
    "Content-Type: application/json",
    "email smoke@example.com signed up",
    "ssh://git@github.com/acme/infra.git",
    "https://github.com/acme/infra",
    "http://localhost:8080/health",
    "see https://example.com/a@b",
    "a basic check",
    "Basic auth off",
    "bearer abc",
    "eyJhbGciOi.short",
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    "aws_secret_access_key = short",
    "page=2&sort=name",
    "BYPASS_CACHE=true",
    "<user>bob</user>",
    "<Password>true</Password>",
]


@pytest.mark.parametrize("text", READABLE)
def test_look_alikes_stay_readable(text: str) -> None:
    assert redact_text(text) == text


def test_short_user_part_is_no_credential() -> None:
    assert redact_text("https://1234567@host/") == "https://1234567@host/"
    assert redact_text("https://12345678@host/") == "https://***@host/"
    assert redact_text("https://***@host/") == "https://***@host/"


def test_bearer_needs_six_characters() -> None:
    assert redact_text("bearer abcde") == "bearer abcde"
    assert redact_text("bearer abcdef") == "bearer ***"
    assert redact_text("xbearer abcdefgh") == "xbearer abcdefgh"


def test_jwt_needs_word_start_and_five_characters() -> None:
    assert redact_text("eyJabcd.abcde.x") == "eyJabcd.abcde.x"
    assert redact_text("eyJabcde.abcde.x") == "***"
    assert redact_text("xeyJabcde.abcde.x") == "xeyJabcde.abcde.x"
    assert redact_text("eyJabcde.abcd.x") == "eyJabcde.abcd.x"


def test_aws_secret_needs_sixteen_characters() -> None:
    assert redact_text("set aws_session_token " + "a" * 15) == "set aws_session_token " + "a" * 15
    assert redact_text("aws_secret_access_key: " + "a" * 16) == "aws_secret_access_key: ***"


def test_known_secret_values_are_masked_anywhere() -> None:
    redact.register_secret("pw42-smoke", None, "", "abc", "abcd")
    assert known_secrets() == ["pw42-smoke", "abcd"]
    assert redact_text("login as smoke with pw42-smoke then pw42-smoke") == "login as smoke with *** then ***"
    assert redact_text("abc") == "abc"
    assert redact_text("xabcdx") == "x***x"


def test_known_secret_every_occurrence_and_overlap() -> None:
    redact.register_secret("pw42-smoke", "aaaaaaaa")
    assert redact_text("pw42-smoke, pw42-smoke, pw42-smoke.") == "***, ***, ***."  # the middle one too
    assert redact_text("pw42-smokepw42-smoke") == MASK  # side by side: one mask, not two
    assert redact_text("aaaaaaaaa!") == "***!"  # overlapping by all but one character


def test_known_secrets_longest_first() -> None:
    redact.register_secret("defg", "abcdefgh", "zz-top")
    assert known_secrets() == ["abcdefgh", "zz-top", "defg"]
    assert redact_text("abcdefgh") == MASK  # the longest first: no "abc***h"


def test_a_lone_quote_is_a_value() -> None:
    assert redact_text("Password: '") == "Password: ***"
    assert redact_text("Password: ''") == "Password: ''"
    assert redact_text('Password: \\"') == "Password: ***"  # an escaped quote alone is no quoting either


def test_key_is_judged_as_written_without_its_quotes() -> None:
    # Only quotes are stripped from a key: SECRET_NAMEX is not SECRET_NAME (a setting), DB_PWDX is not DB_PWD.
    assert redact_text("SECRET_NAMEX: abcdefgh") == "SECRET_NAMEX: ***"
    assert redact_text('{"DB_PWDX": "abcdefgh"}') == '{"DB_PWDX": "abcdefgh"}'
    assert redact_text("{'DB_PWD': 'abcdefgh'}") == "{'DB_PWD': '***'}"


SECRET_NAMES = [
    "SECRET", "JWT_SECRET_KEY", "SMTP_PASSWORD", "DB_PASSWD", "passphrase", "DB_PASS", "db-pwd", "pwd", "pass.word",
    "REFRESH_TOKEN", "API_KEY", "api-key", "apikey", "ACCESS_KEY", "AccessKey", "signing_key", "ENCRYPTIONKEY",
    "master-key", "PRIVATE_KEY", "private", "credentials", "SENTRY_DSN", "Authorization", "Cookie", "sessionid",
]
NOT_SECRET_NAMES = [
    "JWT_ACCESS_TOKEN_EXPIRE_MINUTES", "REFRESH_TOKEN_EXPIRE", "session_minutes", "TOKEN_DAYS", "SESSION_SECONDS",
    "session_ttl", "SECRET_ALGORITHM", "PASSWORD_MIN_LENGTH", "token_type", "SecretArn", "SECRET_NAME",
    "BYPASS_CACHE", "PASSPORT", "COMPASS", "KEYBOARD", "LOG_LEVEL", "DATABASE_URL", "Key", "",
]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name) is True
    assert redact_value(name, S) == MASK


@pytest.mark.parametrize("name", NOT_SECRET_NAMES)
def test_not_secret_names(name: str) -> None:
    assert is_secret_name(name) is False
    assert redact_value(name, S) == S


def test_redact_value_keeps_scalars_and_placeholders() -> None:
    assert redact_value("DB_PASSWORD", None) is None
    assert redact_value("DB_PASSWORD", True) is True
    assert redact_value("DB_PASSWORD", 5) == 5
    assert redact_value("DB_PASSWORD", 2.5) == 2.5
    assert redact_value("DB_PASSWORD", "<from-secrets-manager>") == "<from-secrets-manager>"
    arn = "arn:aws:secretsmanager:us-east-1:1:secret:db"  # where the secret lives, not the secret
    assert redact_value("DB_PASSWORD", arn) == arn
    assert redact_value("DB_PASSWORD", "<half") == MASK
    assert redact_value("DB_PASSWORD", "half>") == MASK
    assert redact_value("DB_PASSWORD", ["a", "b"]) == MASK
    assert redact_value("DATABASE_URL", f"redis://:{S}@c/0") == "redis://:***@c/0"
    assert redact_value("URLS", [f"redis://:{S}@c/0"]) == ["redis://:***@c/0"]


def test_redact_data_walks_structures() -> None:
    data = {
        "environment": [{"name": "DB_PASSWORD", "value": S}, {"name": "LOG_LEVEL", "value": "INFO"}],
        "secrets": ({"name": 3, "value": S},),
        "passwords": [S, S],
        "note": f"Authorization: Bearer {S}",
        "count": 3,
        "nested": {"api_key": S, "ok": None},
    }
    assert redact_data(data) == {
        "environment": [{"name": "DB_PASSWORD", "value": MASK}, {"name": "LOG_LEVEL", "value": "INFO"}],
        "secrets": [{"name": 3, "value": S}],  # not a name/value pair: keys decide
        "passwords": [MASK, MASK],
        "note": "Authorization: Bearer ***",
        "count": 3,
        "nested": {"api_key": MASK, "ok": None},
    }


def test_redact_data_top_level_values() -> None:
    assert redact_data(f"password={S}") == "password=***"
    assert redact_data(7) == 7
    assert redact_data(None) is None
    assert redact_data([f"token={S}"]) == ["token=***"]
    assert redact_data({"name": "DB_PASSWORD", "value": S, "extra": 1}) == {
        "name": "DB_PASSWORD", "value": MASK, "extra": 1}
    assert redact_data({"name": "DB_PASSWORD"}) == {"name": "DB_PASSWORD"}
    assert redact_data({1: S}) == {1: S}
    created = datetime(2026, 1, 1, tzinfo=UTC)  # boto3 gives timestamps as datetimes: they pass through
    assert redact_data(created) is created
    assert redact_data({"name": "LOG_LEVEL", "value": "INFO", "token": S, "created": created}) == {
        "name": "LOG_LEVEL", "value": "INFO", "token": MASK, "created": created}  # a pair's other keys decide too


# --- redact whole, then shorten; credentials by name or shape; flags are no credentials ---------------------------


def test_clip_redacts_whole_then_folds_then_cuts() -> None:
    redact.register_secret("pw-7f3a9c2e5b")
    text = "login failed:\n  input pw-7f3a9c2e5b   rejected"
    assert clip(text, 100) == "login failed:\n  input ***   rejected"
    assert clip(text, 100, fold=True) == "login failed: input *** rejected"
    assert clip(text, 20, fold=True) == "login failed: input…"
    assert clip(text, 25, fold=True) == "login failed: input *** …"
    assert clip(text, 26, fold=True) == "login failed: input *** r…"
    assert clip("abc", 3) == "abc"
    assert clip("abcd", 3) == "ab…"
    assert clip("abcd", 1) == "…"
    assert clip("abcd", 0) == ""
    assert clip("a\tb", 9) == "a\tb"  # no fold unless asked


def test_clip_sees_past_the_cut_but_not_without_bound() -> None:
    redact.register_secret("Zq8vR2xLk9pW")
    head = "x" * 100
    assert clip(head + "Zq8vR2xLk9pW", 104) == head + "***"
    assert clip(head + "Zq8vR2xLk9pW", 103) == head + "***"
    assert clip(head + "Zq8vR2xLk9pW", 102) == head + "*…"
    far = "y" * (redact.CLIP_MARGIN + 10)
    assert clip(far + "Zq8vR2xLk9pW", 5) == "yyyy…"


@pytest.mark.parametrize(("name", "value", "literal"), [
    ("STRIPE_KEY", S, True), ("CONFIG", "AKIAZ7Q4WJ3KX2PLM5TD", True), ("CONFIG", f"redis://:{S}@c/0", True),
    ("CONFIG", "plain", False), ("ENABLE_BASIC_AUTH", "false", False), ("ENABLE_BASIC_AUTH", " On ", False),
    ("DB_PASSWORD", "", False), ("DB_PASSWORD", "<from-secrets-manager>", False), ("DB_PASSWORD", "no", False),
    ("DB_PASSWORD", "null", False), ("DB_PASSWORD", "0", False), ("DB_PASSWORD", "1", False),
    ("DB_PASSWORD", "yes", False), ("DB_PASSWORD", "off", False), ("DB_PASSWORD", "none", False),
    ("DB_PASSWORD", "TRUE", False), ("DB_PASSWORD", "12", True),
])
def test_literal_credential(name: str, value: str, literal: bool) -> None:
    assert literal_credential(name, value) is literal


@pytest.mark.parametrize("text", ["ENABLE_BASIC_AUTH=true", "auth: off", '{"auth": "false"}', "SESSION=0"])
def test_flags_stay_readable_in_text(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize(("text", "expected"), [
    ('{"b": "{\\"password\\": \\"' + S + '\\"}"}', '{"b": "{\\"password\\": \\"***\\"}"}'),
    ('{"b": "{\\"password\\": \\"' + S + '\\", \\"u\\": \\"x\\"}"}',
     '{"b": "{\\"password\\": \\"***\\", \\"u\\": \\"x\\"}"}'),
    ('"{\\\\\\"token\\\\\\": \\\\\\"' + S + '\\\\\\"}"', '"{\\\\\\"token\\\\\\": ***}"'),
    ('{"b": "{\\"user\\": \\"' + S + '\\"}"}', '{"b": "{\\"user\\": \\"' + S + '\\"}"}'),
    ('{"b": "{\\"token_type\\": \\"bearer\\"}"}', '{"b": "{\\"token_type\\": \\"bearer\\"}"}'),
])
def test_json_inside_a_json_string(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    (f"postgresql://app:ab/{S}=@db:5432/x", "postgresql://app:***@db:5432/x"),
    (f'{{"u": "redis://u:{S}@h/0", "v": "x@y"}}', '{"u": "redis://u:***@h/0", "v": "x@y"}'),
    (f"amqp://w:p@ss-{S}@rabbit?x=1", "amqp://w:***@rabbit?x=1"),
    (f"(see https://u:{S}@host)", "(see https://u:***@host)"),
])
def test_url_passwords_with_slash_equals_and_at(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_tags_and_named_pairs_in_data() -> None:
    assert redact_data([{"Key": "deploy-token", "Value": S}, {"Key": "Environment", "Value": "production"},
                        {"key": "api_key", "value": S}, {"Name": "SMTP_PASSWORD", "Value": S}]) == [
        {"Key": "deploy-token", "Value": MASK}, {"Key": "Environment", "Value": "production"},
        {"key": "api_key", "value": MASK}, {"Name": "SMTP_PASSWORD", "Value": MASK}]
    assert redact_data({"Key": 3, "Value": S}) == {"Key": 3, "Value": S}


def test_known_values_go_first_so_no_rule_splits_one() -> None:
    secret = f"Bearer {S}"  # another rule would mask only its tail and leave "Bearer" beside it
    redact.register_secret(secret)
    assert redact_text(f"sent {secret} upstream") == "sent *** upstream"


def test_an_npm_token_in_an_npmrc_line_is_found_by_its_detector() -> None:
    """A UUID-shaped npm token has no prefix of its own: only detect-secrets' npm detector, which runs where
    "_authToken" appears, finds it."""
    token = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
    shown = redact_text(f"//registry.npmjs.org/:_authToken={token}")
    assert token[:8] not in shown and token[-8:] not in shown


def test_an_auth_scheme_word_ending_a_line_does_not_swallow_the_next_header() -> None:
    """Found by hypothesis in mutmut's clean run: "Basic" then a newline matched the scheme rule across lines,
    masked the next header's *name* and left its value for no rule to see."""
    shown = redact_text("BASIC\nX-Api-Key: 000000")
    assert "000000" not in shown and "X-Api-Key" in shown


# --- quoted_piece: a piece of a bad input line in an error message ------------------------------------------
@pytest.mark.parametrize(("text", "key"), [
    ("DB_PASSWORD=hunter2-very-long", ""),  # the line's own name says secret
    ("  API_TOKEN=abc def", ""),  # leading blanks: the first word is still the name
    ("trailing text after quote", "JWT_SECRET_KEY"),  # the variable the piece belongs to says secret
    ("x", "SMTP_PASSWORD"),
])
def test_a_secret_named_variables_piece_is_hidden_whole(text: str, key: str) -> None:
    assert redact.quoted_piece(text, 20, key) == "<value hidden: a secret-named variable>"


@pytest.mark.parametrize(("text", "limit", "key", "expected"), [
    ("LOG_LEVEL=verbose and more", 40, "", "'LOG_LEVEL=verbose and more'"),
    ("LOG_LEVEL=verbose and more", 9, "", "'LOG_LEVE…'"),  # shortened after redaction, quoted as data
    ("", 20, "", "''"),  # nothing to name: no first word, not hidden
    ("   ", 20, "", "'   '"),
    ("just words", 20, "DEBUG", "'just words'"),  # a plain variable's piece is shown
])
def test_a_plain_piece_is_redacted_shortened_and_quoted(text: str, limit: int, key: str, expected: str) -> None:
    assert redact.quoted_piece(text, limit, key) == expected


def test_a_credential_inside_a_plain_piece_is_masked_before_the_cut() -> None:
    shown = redact.quoted_piece("url=https://admin:s3cr3t-passw0rd@db.example.com/x", 60)
    assert "s3cr3t" not in shown and shown.startswith("'url=https://admin:")
