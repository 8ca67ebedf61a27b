"""Unit tests of the pure helpers: --env parsing, the env-file parser, redaction, parity."""

from __future__ import annotations

from pathlib import Path

import pytest

from envmatrix.declared import parse_env_text
from envmatrix.errors import EnvFileError, UsageError
from envmatrix.parity import parity_gaps
from envmatrix.redact import MASK, redact_data, redact_text, redact_value
from envmatrix.spec import ByDesign
from tests.conftest import SHIPPED


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["all"], ["dev", "staging", "production"]),
        (["production,dev"], ["dev", "production"]),
        (["development", "staging"], ["dev", "staging"]),
        (["PRODUCTION"], ["production"]),
        (["dev", "dev"], ["dev"]),
    ],
)
def test_parse_selection(values: list[str], expected: list[str]) -> None:
    assert SHIPPED.parse_selection(values) == expected


@pytest.mark.parametrize("value", ["qa", "", "dev,,staging"])
def test_parse_selection_rejects(value: str) -> None:
    with pytest.raises(UsageError, match="valid names: dev, staging, production"):
        SHIPPED.parse_selection([value])


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("A=1", "1"),
        ("A=1  # comment", "1"),
        ('A="quoted # not a comment"', "quoted # not a comment"),
        ("A='single'", "single"),
        ("export A=x", "x"),
        ("A=", ""),
        ("A=https://x.example/#frag", "https://x.example/#frag"),
    ],
)
def test_env_parser_values(line: str, value: str) -> None:
    values, _ = parse_env_text(line + "\n", Path("x.env"))
    assert values == {"A": value}


@pytest.mark.parametrize("text", ['A="open', "A=1\nA=2", "not a line", 'A="x" trailing', 'A=it"s'])
def test_env_parser_rejects(text: str) -> None:
    with pytest.raises(EnvFileError):
        parse_env_text(text, Path("x.env"))


def test_redaction() -> None:
    assert redact_text("postgresql://admin:s3cret@db:5432/x") == f"postgresql://admin:{MASK}@db:5432/x"
    assert redact_text("Authorization: Bearer abc.def-ghi_jkl") == f"Authorization: Bearer {MASK}"
    assert redact_value("JWT_SECRET_KEY", "dev-secret") == MASK
    assert redact_value("JWT_SECRET_KEY", "<from-secrets-manager>") == "<from-secrets-manager>"
    assert redact_value("JWT_ACCESS_TOKEN_EXPIRE_MINUTES", "15") == "15"
    assert redact_data({"environment": [{"name": "SMTP_PASSWORD", "value": "pw123"}]}) == {
        "environment": [{"name": "SMTP_PASSWORD", "value": MASK}]
    }


def test_parity_gaps() -> None:
    by_design = {"ARCHIVE": ByDesign(environments=("production",), reason="r")}
    keys = {"dev": {"A"}, "staging": {"A", "B"}, "production": {"A", "B", "ARCHIVE"}}
    assert parity_gaps("dev", keys, by_design) == ["missing B (present in production, staging)"]
    assert parity_gaps("production", keys, by_design) == []
    keys["staging"].add("ARCHIVE")
    assert parity_gaps("staging", keys, by_design) == ["unexpected ARCHIVE (by design only in production)"]
