"""Settings as the application reads them: the list parser, name matching, documented defaults, declared checks."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from envmatrix.appsettings import AppSettings, Found, SettingParseError, list_of, parse, typed_equal
from envmatrix.context import Paths, Suite
from envmatrix.declared import load_env_file
from envmatrix.errors import EnvFileError
from envmatrix.spec import SettingsClass, Spec, load_spec
from tests.conftest import SHIPPED_ENVIRONMENTS
from tests.shapes.harness import ROOT, Verdict, judge, snapshot_of

ORIGINS = ("https://taskmanager.com", "https://www.taskmanager.com")
TRUE_SPELLINGS = ["1", "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "t", "T", "y", "Y"]
FALSE_SPELLINGS = ["0", "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "f", "F", "n", "N"]


@pytest.mark.parametrize("raw", TRUE_SPELLINGS + FALSE_SPELLINGS)
def test_every_boolean_spelling_pydantic_settings_accepts_is_read(raw: str) -> None:
    found = AppSettings.of(_spec(), "production").find("DEBUG", {"DEBUG": raw})
    assert found.source == "environment" and found.value is (raw in TRUE_SPELLINGS)
    assert found.agrees(raw in TRUE_SPELLINGS) and not found.agrees(raw not in TRUE_SPELLINGS)
    shown = "true" if raw in TRUE_SPELLINGS else "false"
    assert found.shown() == (shown if raw == shown else f"{raw} → {shown}")  # the raw text beside the typed value


@pytest.mark.parametrize(("name", "raw", "reason"), [
    ("DEBUG", "maybe", "Input should be a valid boolean"),
    ("DEBUG", "", "Input should be a valid boolean"),
    ("DEBUG", "2", "Input should be a valid boolean"),
    ("DB_POOL_SIZE", "fifty", "Input should be a valid integer"),
    ("DB_POOL_SIZE", "1.5", "Input should be a valid integer"),
    ("LOG_LEVEL", "verbose", "Input should be 'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'"),
    ("LOG_LEVEL", "info", "Input should be 'DEBUG'"),  # logging's level names are upper case
    ("CORS_ORIGINS", "https://taskmanager.com,https://www.taskmanager.com", "not JSON"),  # list[str] is JSON
    ("CORS_ORIGINS", '["https://taskmanager.com",', "not JSON"),
    ("CORS_ORIGINS", '["https://taskmanager.com", ["nested"]]', "Input should be a valid string"),
])
def test_a_value_pydantic_settings_refuses_is_its_own_finding(name: str, raw: str, reason: str) -> None:
    found = AppSettings.of(_spec(), "production").find(name, {name.lower(): raw})
    assert found.source == "unparsed" and reason in found.reason and not found.agrees(found.value)
    assert found.shown() == f"<{name.lower()}: {raw!r} does not parse: {found.reason}>"


@pytest.mark.parametrize(("name", "raw", "value"), [
    ("DB_POOL_SIZE", "50", 50), ("DB_POOL_SIZE", "050", 50), ("DB_POOL_SIZE", "-1", -1),
    ("CORS_ORIGINS", '["https://www.taskmanager.com", "https://taskmanager.com"]', list(reversed(ORIGINS))),
    ("CORS_ORIGINS", "[]", []),
    ("JWT_ALGORITHM", "hs256", "hs256"),  # text is text: HS256 is not hs256
    ("LOG_LEVEL", "WARNING", "WARNING"),
])
def test_integers_lists_and_text_are_read_as_pydantic_settings_reads_them(name: str, raw: str, value: object) -> None:
    assert AppSettings.of(_spec(), "production").find(name, {name: raw}).value == value


@pytest.mark.parametrize(("want", "got", "agrees"), [
    (ORIGINS, list(reversed(ORIGINS)), True), (ORIGINS, [*ORIGINS, "*"], False), (ORIGINS, [], False),
    (True, True, True), (False, 0, False), (1, True, False), (60, 60, True), (60, 600, False),
    ("HS256", "hs256", False), (None, 60, False), (60, None, False),
])
def test_typed_values_compare_lists_as_sets_and_booleans_only_with_booleans(want: object, got: object,
                                                                            agrees: bool) -> None:
    assert typed_equal(want, got) is agrees


def test_the_parser_is_pydantic_settings_own_over_a_mapping() -> None:
    assert list_of('["a", "b"]') == ("a", "b")
    with pytest.raises(SettingParseError, match="not JSON"):
        list_of("a,b")
    assert parse(bool, "off") is False and parse(int, "7") == 7


def test_unknown_names_are_ignored_and_undocumented_ones_read_like_their_expected_value() -> None:
    staging = AppSettings.of(_spec(), "staging")
    assert staging.find("ENABLE_MFA", {"enable_mfa": "0"}, like=True).value is False
    assert staging.find("ENABLE_MFA", {"ENABLE_MFA": "off"}).value is False  # the declared view types it bool
    assert staging.find("SOMETHING_ELSE", {"SOMETHING_ELSE": "0"}).value == "0"  # no type known: text
    assert staging.refused({"WHATEVER": "1"}) == ""  # no documented class: nothing required


def _spec() -> Spec:
    return load_spec(ROOT / "fixtures/matrix.yaml")


def test_production_documents_the_settings_class_defaults() -> None:
    production = AppSettings.of(_spec(), "production")
    assert production.default("RATE_LIMIT_PER_MINUTE") == 60 and production.name == "ProductionSettings"
    assert production.default("cors_origins") == list(ORIGINS)
    assert production.default("DB_POOL_RECYCLE") == 3600 and production.case_sensitive is False
    staging = AppSettings.of(_spec(), "staging")
    assert staging.default("RATE_LIMIT_PER_MINUTE") is None and staging.name == ""


def test_absent_means_default_and_names_match_in_any_case() -> None:
    production, staging = AppSettings.of(_spec(), "production"), AppSettings.of(_spec(), "staging")
    found = production.find("RATE_LIMIT_PER_MINUTE", {"DEBUG": "false"})
    assert found == Found("default", value=60) and found.agrees(60) and found.shown() == "60 (default)"
    assert production.find("RATE_LIMIT_PER_MINUTE", {"rate_limit_per_minute": "100"}).value == 100
    assert production.find("LOG_LEVEL", {"log_level": "INFO"}).agrees("INFO")
    assert production.find("log_level", {"Log_Level": "INFO"}).agrees("INFO")
    assert staging.find("RATE_LIMIT_PER_MINUTE", {}).source == "absent"
    assert production.find("CORS_ORIGINS", {}).shown() == f"{json.dumps(sorted(ORIGINS))} (default)"


def test_a_case_sensitive_class_matches_only_the_field_name() -> None:
    raw = _spec().model_dump(exclude={"digest"})
    raw["app_settings"]["ProductionSettings"]["case_sensitive"] = True
    exact = AppSettings.of(Spec.model_validate(raw), "production")
    assert exact.find("DEBUG", {"DEBUG": "1"}).source == "default"  # the field debug reads the variable debug
    assert exact.find("debug", {"debug": "1"}).value is True


def test_a_setting_set_twice_or_through_secrets_is_not_read_as_a_value() -> None:
    production = AppSettings.of(_spec(), "production")
    twice = production.find("DEBUG", {"DEBUG": "false", "debug": "true"})
    assert twice.source == "ambiguous" and not twice.agrees(False) and "DEBUG, debug" in str(twice.shown())
    assert production.find("DEBUG", {"DEBUG": "false", "debug": "false"}).agrees(False)
    secret = production.find("CORS_ORIGINS", {}, {"CORS_ORIGINS": "arn:aws:secretsmanager:x"})
    assert secret.source == "secrets" and not secret.agrees(ORIGINS)


def test_a_required_setting_set_nowhere_refuses_the_whole_class() -> None:
    production = AppSettings.of(_spec(), "production")
    required = ("DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY", "SMTP_HOST", "SMTP_USERNAME", "SMTP_PASSWORD")
    everything = {name: "arn:aws:secretsmanager:x" for name in required}
    assert production.refused({}, everything) == ""  # delivered through secrets counts as set (never read)
    assert production.refused({"smtp_host": "smtp.example.com"}, {k: v for k, v in everything.items()
                                                                  if k != "SMTP_HOST"}) == ""
    assert production.refused({}, {k: v for k, v in everything.items() if k != "JWT_SECRET_KEY"}) == (
        "required but not set: JWT_SECRET_KEY")


def test_settings_classes_are_validated() -> None:
    with pytest.raises(ValidationError, match="upper-case environment variable names"):
        SettingsClass(source="x", environments=("production",), case_sensitive=False, defaults={"debug": False})
    with pytest.raises(ValidationError, match="a field is one of defaults, required, optional"):
        SettingsClass(source="x", environments=("production",), case_sensitive=False, defaults={"DEBUG": False},
                      required={"DEBUG": "bool"})
    with pytest.raises(ValidationError, match="choices name fields the class does not have"):
        SettingsClass(source="x", environments=("production",), case_sensitive=False, defaults={},
                      choices={"LOG_LEVEL": ("INFO",)})
    raw = _spec().model_dump(exclude={"digest"})
    unknown = {**raw, "app_settings": {"Prod": {**raw["app_settings"]["ProductionSettings"], "environments": ["prod"]}}}
    with pytest.raises(ValidationError, match=r"app_settings.Prod.environments: unknown environment\(s\) \['prod'\]"):
        Spec.model_validate(unknown)  # a spec's environment by its canonical name, not an alias
    raw["app_settings"]["Other"] = {**raw["app_settings"]["ProductionSettings"]}
    with pytest.raises(ValidationError, match="production is served by both"):
        Spec.model_validate(raw)


def _declared(tmp_path: Path, check_id: str, line: str, replacement: str,
              module: str = "checks/declared/test_flags.py") -> Verdict:
    """Run a shipped declared check of production on a copy of the env files with one line replaced."""
    env_root = tmp_path / "env"
    shutil.copytree(ROOT / "fixtures/env", env_root)
    text = (env_root / "production.env").read_text()
    assert line in text
    (env_root / "production.env").write_text(text.replace(line, replacement))
    paths = Paths(ROOT / "fixtures/matrix.yaml", ROOT / "fixtures/tfvars", env_root, ROOT / "fixtures/waivers.yaml",
                  tmp_path / "reports")
    suite = Suite(spec=load_spec(paths.spec), paths=paths, selected=list(SHIPPED_ENVIRONMENTS))
    return judge(module, check_id, "production", snapshot_of("production"), suite=suite)


CORS_LINE = """CORS_ORIGINS='["https://taskmanager.com", "https://www.taskmanager.com"]'"""


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
    assert not verdict.passed and "got <CORS_ORIGINS: '[https://taskmanager.com]' does not parse: not JSON" \
        in verdict.message, verdict.message


def test_declared_cors_as_a_comma_list_is_red_as_pydantic_settings_refuses_it(tmp_path: Path) -> None:
    comma = "CORS_ORIGINS=https://taskmanager.com,https://www.taskmanager.com"
    verdict = _declared(tmp_path, "APP-CORS-ORIGINS", CORS_LINE, comma)
    assert not verdict.passed and "does not parse: not JSON" in verdict.message, verdict.message


def test_declared_absent_settings_take_the_documented_default(tmp_path: Path) -> None:
    verdict = _declared(tmp_path, "APP-RATE-LIMITING", "RATE_LIMIT_PER_MINUTE=60\n", "")
    assert verdict.passed, verdict.message
    assert verdict.evidence[-1].setting == "RATE_LIMIT_PER_MINUTE" and verdict.evidence[-1].actual == "60 (default)"
    cors = _declared(tmp_path / "cors", "APP-CORS-ORIGINS", CORS_LINE + "\n", "")
    assert cors.passed and cors.evidence[-1].actual.endswith("(default)"), cors.message


def test_declared_limit_in_lower_case_is_read(tmp_path: Path) -> None:
    verdict = _declared(tmp_path, "APP-RATE-LIMITING", "RATE_LIMIT_PER_MINUTE=60", "rate_limit_per_minute=600")
    assert not verdict.passed and "RATE_LIMIT_PER_MINUTE: expected 60, got 600" in verdict.message, verdict.message


def test_declared_debug_0_in_lower_case_is_green(tmp_path: Path) -> None:
    verdict = _declared(tmp_path, "APP-DEBUG", "DEBUG=false", "debug=0")
    assert verdict.passed, verdict.message
    on = _declared(tmp_path / "on", "APP-DEBUG", "DEBUG=false", "debug=on")
    assert not on.passed and "production.env.DEBUG: expected false, got true" in on.message, on.message


def test_declared_log_level_in_lower_case_is_green(tmp_path: Path) -> None:
    verdict = _declared(tmp_path, "LOG-LEVEL", "LOG_LEVEL=INFO", "log_level=INFO", "checks/declared/test_logging.py")
    assert verdict.passed, verdict.message


@pytest.mark.parametrize(("line", "replacement", "reason"), [
    ("LOG_LEVEL=INFO", "LOG_LEVEL=verbose", "LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING', 'ERROR' or "
                                            "'CRITICAL'"),
    ("DEBUG=false", "debug=maybe", "debug: Input should be a valid boolean"),
    ("DEBUG=false", "DEBUG=false\ndebug=true", "debug: set twice (also as DEBUG)"),
])
def test_declared_value_pydantic_cannot_parse_names_the_variable(tmp_path: Path, line: str, replacement: str,
                                                                 reason: str) -> None:
    path = tmp_path / "production.env"
    path.write_text((ROOT / "fixtures/env/production.env").read_text().replace(line, replacement))
    with pytest.raises(EnvFileError, match=re.escape(reason)):
        load_env_file(path)


def test_declared_required_setting_missing_is_the_finding(tmp_path: Path) -> None:
    verdict = _declared(tmp_path, "APP-ENVIRONMENT", "SMTP_HOST=smtp.sendgrid.net\n", "")
    assert not verdict.passed
    assert ("production APP-ENVIRONMENT production.env.settings: expected ProductionSettings loads, "
            "got required but not set: SMTP_HOST") in verdict.message, verdict.message
    assert _declared(tmp_path / "ok", "APP-ENVIRONMENT", "SMTP_HOST=", "SMTP_HOST=").passed
