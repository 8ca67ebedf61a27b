"""Settings as the application reads them: the list parser, name matching, documented defaults, declared checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from envmatrix.appsettings import AppSettings, Found, SettingParseError, equivalent, list_text, parse_list, same
from envmatrix.context import Paths, Suite
from envmatrix.spec import SettingsClass, Spec, load_spec
from tests.conftest import SHIPPED_ENVIRONMENTS
from tests.shapes.harness import ROOT, Verdict, judge, snapshot_of

ORIGINS = ("https://taskmanager.com", "https://www.taskmanager.com")


@pytest.mark.parametrize(("raw", "items"), [
    ('["https://taskmanager.com", "https://www.taskmanager.com"]', ORIGINS),
    ("https://taskmanager.com,https://www.taskmanager.com", ORIGINS),
    (" https://taskmanager.com , https://www.taskmanager.com ,", ORIGINS),
    ('  [ "https://taskmanager.com" ]\n', ("https://taskmanager.com",)),
    ("", ()),
    ("   ", ()),
    ("[]", ()),
    ("*", ("*",)),
])
def test_lists_parse_as_json_arrays_and_comma_lists(raw: str, items: tuple[str, ...]) -> None:
    assert parse_list(raw) == items


@pytest.mark.parametrize(("raw", "reason"), [
    ('["https://taskmanager.com",', "not a JSON array"),
    ("[https://taskmanager.com]", "not a JSON array"),
    ('["https://taskmanager.com", 7]', "not a JSON array of strings"),
    ('[["nested"]]', "not a JSON array of strings"),
])
def test_malformed_json_is_a_clear_failure_not_a_crash(raw: str, reason: str) -> None:
    with pytest.raises(SettingParseError, match=reason):
        parse_list(raw)
    assert not same(ORIGINS, raw)
    assert list_text(raw).startswith(f"<{reason}")


@pytest.mark.parametrize(("want", "raw", "agrees"), [
    (ORIGINS, '["https://www.taskmanager.com", "https://taskmanager.com"]', True),
    (ORIGINS, "https://www.taskmanager.com,https://taskmanager.com,https://taskmanager.com", True),
    (ORIGINS, '["https://taskmanager.com", "https://www.taskmanager.com", "*"]', False),
    (ORIGINS, "https://taskmanager.com", False),
    (ORIGINS, "", False),
    (True, "True", True), (False, " false ", True), (60, "60", True), (60, "600", False),
    ("HS256", "hs256", False), (None, "60", False), (60, None, False),
])
def test_values_compare_as_the_application_reads_them(want: object, raw: str | None, agrees: bool) -> None:
    assert same(want, raw) is agrees


@pytest.mark.parametrize(("a", "b", "like", "agrees"), [
    ("https://a,https://b", '["https://b", "https://a"]', ORIGINS, True),
    ("https://a,https://b", '["https://a"]', ORIGINS, False),
    ("[broken", "[broken", ORIGINS, True),
    ("True", "true", False, True),
    ("60", "60 ", 60, True),
    ("https://a,https://b", '["https://a", "https://b"]', None, False),  # no documented type: the same text
])
def test_two_texts_agree_as_the_app_reads_them(a: str, b: str, like: object, agrees: bool) -> None:
    assert equivalent(a, b, like) is agrees  # type: ignore[arg-type]


def _spec() -> Spec:
    return load_spec(ROOT / "fixtures/matrix.yaml")


def test_production_documents_the_settings_class_defaults() -> None:
    production = AppSettings.of(_spec(), "production")
    assert production.default("RATE_LIMIT_PER_MINUTE") == 60
    assert production.default("cors_origins") == ORIGINS
    assert production.default("DB_POOL_RECYCLE") == 3600 and production.case_sensitive is False
    staging = AppSettings.of(_spec(), "staging")
    assert staging.default("RATE_LIMIT_PER_MINUTE") is None and staging.like("CORS_ORIGINS") == ORIGINS


def test_absent_means_default_and_names_match_in_any_case() -> None:
    production, staging = AppSettings.of(_spec(), "production"), AppSettings.of(_spec(), "staging")
    found = production.find("RATE_LIMIT_PER_MINUTE", {"DEBUG": "false"})
    assert found == Found("default", "60") and found.agrees(60) and found.shown(60) == "60 (default)"
    assert production.find("RATE_LIMIT_PER_MINUTE", {"rate_limit_per_minute": "100"}).raw == "100"
    assert staging.find("RATE_LIMIT_PER_MINUTE", {}).source == "absent"
    assert production.find("CORS_ORIGINS", {}).shown(ORIGINS) == f"{list_text(','.join(ORIGINS))} (default)"


def test_a_setting_set_twice_or_through_secrets_is_not_read_as_a_value() -> None:
    production = AppSettings.of(_spec(), "production")
    twice = production.find("DEBUG", {"DEBUG": "false", "debug": "true"})
    assert twice.source == "ambiguous" and not twice.agrees(False) and "DEBUG, debug" in str(twice.shown())
    assert production.find("DEBUG", {"DEBUG": "false", "debug": "false"}).agrees(False)
    secret = production.find("CORS_ORIGINS", {}, {"CORS_ORIGINS": "arn:aws:secretsmanager:x"})
    assert secret.source == "secrets" and not secret.agrees(ORIGINS)


def test_settings_classes_are_validated() -> None:
    with pytest.raises(ValidationError, match="upper-case environment variable names"):
        SettingsClass(source="x", environments=("production",), case_sensitive=False, defaults={"debug": False})
    raw = _spec().model_dump(exclude={"digest"})
    unknown = {**raw, "app_settings": {"Prod": {**raw["app_settings"]["ProductionSettings"], "environments": ["prod"]}}}
    with pytest.raises(ValidationError, match=r"app_settings.Prod.environments: unknown environment\(s\) \['prod'\]"):
        Spec.model_validate(unknown)  # a spec's environment by its canonical name, not an alias
    raw["app_settings"]["Other"] = {**raw["app_settings"]["ProductionSettings"]}
    with pytest.raises(ValidationError, match="production is served by both"):
        Spec.model_validate(raw)


def _declared(tmp_path: Path, check_id: str, line: str, replacement: str) -> Verdict:
    """Run a shipped declared check of production on a copy of the env files with one line replaced."""
    env_root = tmp_path / "env"
    shutil.copytree(ROOT / "fixtures/env", env_root)
    text = (env_root / "production.env").read_text()
    assert line in text
    (env_root / "production.env").write_text(text.replace(line, replacement))
    paths = Paths(ROOT / "fixtures/matrix.yaml", ROOT / "fixtures/tfvars", env_root, ROOT / "fixtures/waivers.yaml",
                  tmp_path / "reports")
    suite = Suite(spec=load_spec(paths.spec), paths=paths, selected=list(SHIPPED_ENVIRONMENTS))
    return judge("checks/declared/test_flags.py", check_id, "production", snapshot_of("production"), suite=suite)


CORS_LINE = "CORS_ORIGINS=https://taskmanager.com,https://www.taskmanager.com"


def test_declared_cors_as_a_json_array_is_green(tmp_path: Path) -> None:
    json_array = """CORS_ORIGINS='["https://www.taskmanager.com", "https://taskmanager.com"]'"""
    verdict = _declared(tmp_path, "APP-CORS-ORIGINS", CORS_LINE, json_array)
    assert verdict.passed, verdict.message


def test_declared_cors_with_an_extra_origin_is_red(tmp_path: Path) -> None:
    extra = """CORS_ORIGINS='["https://taskmanager.com", "https://www.taskmanager.com", "*"]'"""
    verdict = _declared(tmp_path, "APP-CORS-ORIGINS", CORS_LINE, extra)
    assert not verdict.passed
    assert ('production APP-CORS-ORIGINS production.env.CORS_ORIGINS: expected ["https://taskmanager.com", '
            '"https://www.taskmanager.com"], got ["*", "https://taskmanager.com", "https://www.taskmanager.com"]'
            ) in verdict.message


def test_declared_cors_malformed_json_fails_with_the_reason(tmp_path: Path) -> None:
    verdict = _declared(tmp_path, "APP-CORS-ORIGINS", CORS_LINE, "CORS_ORIGINS=[https://taskmanager.com]")
    assert not verdict.passed and "got <not a JSON array" in verdict.message, verdict.message


def test_declared_absent_settings_take_the_documented_default(tmp_path: Path) -> None:
    verdict = _declared(tmp_path, "APP-RATE-LIMITING", "RATE_LIMIT_PER_MINUTE=60\n", "")
    assert verdict.passed, verdict.message
    assert verdict.evidence[-1].setting == "RATE_LIMIT_PER_MINUTE" and verdict.evidence[-1].actual == "60 (default)"
    cors = _declared(tmp_path / "cors", "APP-CORS-ORIGINS", CORS_LINE + "\n", "")
    assert cors.passed and cors.evidence[-1].actual.endswith("(default)"), cors.message


def test_declared_limit_in_lower_case_is_read(tmp_path: Path) -> None:
    verdict = _declared(tmp_path, "APP-RATE-LIMITING", "RATE_LIMIT_PER_MINUTE=60", "rate_limit_per_minute=600")
    assert not verdict.passed and "RATE_LIMIT_PER_MINUTE: expected 60, got 600" in verdict.message, verdict.message
