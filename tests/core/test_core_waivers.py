"""Waivers: a waiver hides only the check it names, in its environment and layer, and only until it expires."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from envmatrix.catalog import CheckInfo
from envmatrix.errors import WaiverError
from envmatrix.waivers import Waiver, find_unknown, load_waivers
from tests.conftest import SHIPPED

DAY = dt.date(2026, 6, 30)


def waiver(**kwargs: object) -> Waiver:
    base: dict[str, object] = dict(check="DB-MULTI-AZ", env="staging", reason="migration", owner="ops", expires=DAY)
    return Waiver.model_validate({**base, **kwargs}, context={"environments": SHIPPED})


def info(check: str = "DB-MULTI-AZ", layer: str = "live") -> CheckInfo:
    return CheckInfo(id=check, layer=layer, area="sla", row="database", severity="high",  # type: ignore[arg-type]
                     title=check)


def test_expiry_day_boundaries() -> None:
    w = waiver()
    assert w.expired(DAY - dt.timedelta(days=1)) is False
    assert w.expired(DAY) is False  # valid through its own expiry date
    assert w.expired(DAY + dt.timedelta(days=1)) is True


def test_matches_check_env_and_layer() -> None:
    w = waiver()
    assert w.matches(info(), "staging") is True
    assert w.matches(info(layer="declared"), "staging") is True  # no layer: every layer
    assert w.matches(info(check="DB-BACKUP"), "staging") is False
    assert w.matches(info(), "production") is False


def test_layer_pinning() -> None:
    w = waiver(layer="declared")
    assert w.matches(info(layer="declared"), "staging") is True
    assert w.matches(info(layer="live"), "staging") is False
    assert w.matches(info(layer="drift"), "staging") is False


def test_describe() -> None:
    assert waiver().describe() == "waived: migration (owner ops, until 2026-06-30)"


@pytest.mark.parametrize(("given", "canonical"), [("prod", "production"), ("development", "dev"),
                                                 ("Staging", "staging"), ("production", "production")])
def test_env_aliases_are_canonical(given: str, canonical: str) -> None:
    assert waiver(env=given).env == canonical


@pytest.mark.parametrize(("field", "value", "problem"), [
    ("env", "qa", "unknown environment 'qa'; valid: ['dev', 'staging', 'production']"),
    ("layer", "cloud", "unknown layer 'cloud'; valid: ['declared', 'live', 'drift', 'parity', 'smoke']"),
    ("reason", "  ", "must not be blank"),
    ("owner", "", "must not be blank"),
    ("extra", "x", "Extra inputs are not permitted"),
    ("expires", "someday", "date"),
    ("check", 5, "string"),
])
def test_bad_waivers_are_rejected(field: str, value: object, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        waiver(**{field: value})
    assert problem in str(caught.value)


@pytest.mark.parametrize("layer", [None, "declared", "live", "drift", "parity", "smoke"])
def test_every_layer_is_valid(layer: str | None) -> None:
    assert waiver(layer=layer).layer == layer


def test_waiver_is_frozen() -> None:
    with pytest.raises(ValidationError):
        waiver().reason = "other"  # type: ignore[misc]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing waived\n# yet\n", "---\n"])
def test_empty_or_comments_only_file_means_no_waivers(tmp_path: Path, text: str) -> None:
    assert load_waivers(write(tmp_path, text), SHIPPED) == []


def test_empty_list_means_no_waivers(tmp_path: Path) -> None:
    assert load_waivers(write(tmp_path, "waivers: []\n"), SHIPPED) == []


def test_load_waivers(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n  - check: DB-MULTI-AZ\n    env: prod\n    layer: live\n"
                           "    reason: migration\n    owner: ops\n    expires: 2026-06-30\n")
    assert load_waivers(path, SHIPPED) == [waiver(env="production", layer="live")]


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n  - check: [\n")
    with pytest.raises(WaiverError) as caught:
        load_waivers(path, SHIPPED)
    assert caught.value.problem == "not valid YAML"
    assert caught.value.line == 3
    assert str(caught.value) == f"waivers {path}:3: not valid YAML"


def test_yaml_error_without_a_mark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    def fail(_text: str) -> None:
        raise yaml.YAMLError("no mark")

    monkeypatch.setattr(yaml, "safe_load", fail)
    with pytest.raises(WaiverError) as caught:
        load_waivers(write(tmp_path, "waivers: []"), SHIPPED)
    assert (caught.value.problem, caught.value.line) == ("not valid YAML", None)


def test_too_deep_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    def fail(_text: str) -> None:
        raise RecursionError  # what PyYAML raises on "[" * 5000 (slow to build for real)

    monkeypatch.setattr(yaml, "safe_load", fail)
    with pytest.raises(WaiverError) as caught:
        load_waivers(write(tmp_path, "waivers: []"), SHIPPED)
    assert caught.value.problem == "not valid YAML: nested too deeply"


@pytest.mark.parametrize(("text", "problem"), [
    ("waivers:\n  - check: X\n", "waivers.0.env: Field required"),
    ("other: 1\n", "waivers: Field required"),
    ("waivers: []\nmore: 1\n", "more: Extra inputs are not permitted"),
    ("- a\n", ": Input should be a valid dictionary or instance of _WaiverFile"),
])
def test_invalid_waiver_file_names_the_field(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(WaiverError) as caught:
        load_waivers(write(tmp_path, text), SHIPPED)
    assert caught.value.problem == problem
    assert caught.value.line is None


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WaiverError, match="cannot read"):
        load_waivers(tmp_path / "absent.yaml", SHIPPED)


COLLECTED = [info("DB-MULTI-AZ", "live"), info("ENV-FILE", "declared")]


def test_find_unknown_complete_run() -> None:
    known, pinned_known = waiver(), waiver(check="ENV-FILE", layer="declared")
    unknown, wrong_layer = waiver(check="NOPE"), waiver(check="ENV-FILE", layer="live")
    found = find_unknown([known, pinned_known, unknown, wrong_layer], COLLECTED, complete=True)
    assert found == [unknown, wrong_layer]


def test_find_unknown_partial_run_judges_only_collected_layers() -> None:
    unpinned_unknown = waiver(check="NOPE")
    pinned_to_collected = waiver(check="NOPE", layer="live")
    pinned_elsewhere = waiver(check="NOPE", layer="smoke")
    found = find_unknown([unpinned_unknown, pinned_to_collected, pinned_elsewhere], COLLECTED, complete=False)
    assert found == [pinned_to_collected]


def test_find_unknown_accepts_any_iterable() -> None:
    assert find_unknown(iter([waiver(check="NOPE")]), iter(COLLECTED), complete=True) == [waiver(check="NOPE")]
    assert find_unknown([waiver()], iter(COLLECTED), complete=True) == []
    assert find_unknown([], COLLECTED, complete=True) == []
