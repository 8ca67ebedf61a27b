"""[history] url in envmatrix.toml: a path relative to the config file, PostgreSQL without a written password."""

from __future__ import annotations

from pathlib import Path

import pytest

from envmatrix.config import load_config
from envmatrix.errors import ConfigError
from envmatrix.history.store import VARIABLE, location


def _config(tmp_path: Path, text: str) -> Path:
    (tmp_path / "project").mkdir(parents=True)
    path = tmp_path / "project" / "envmatrix.toml"
    path.write_text(text)
    return path


def test_a_config_path_is_relative_to_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)
    path = _config(tmp_path, '[history]\nurl = "state/history.sqlite"\n')
    config = load_config(path)
    url = location(None, config.history.url, path.parent, tmp_path, tmp_path / "reports")
    assert url == f"sqlite:///{tmp_path / 'project' / 'state' / 'history.sqlite'}"
    monkeypatch.setenv(VARIABLE, "elsewhere.sqlite")  # $ENVMATRIX_HISTORY wins over the config
    assert location(None, config.history.url, path.parent, tmp_path, tmp_path) == \
        f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"
    assert location("off", config.history.url, path.parent, tmp_path, tmp_path) is None  # and --history over both


def test_a_password_written_in_the_config_is_refused(tmp_path: Path) -> None:
    path = _config(tmp_path, '[history]\nurl = "postgresql://team:hunter2@db.internal/history"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value) and "history.url" in str(caught.value)
    assert "a password written in the URL" in str(caught.value) and "hunter2" not in str(caught.value)
    allowed = _config(tmp_path / "ok", '[history]\nurl = "postgresql://team:${HISTORY_PW}@db.internal/h"\n')
    assert load_config(allowed).history.url == "postgresql://team:${HISTORY_PW}@db.internal/h"


def test_an_unknown_history_key_names_the_valid_one(tmp_path: Path) -> None:
    path = _config(tmp_path, '[history]\npath = "x.sqlite"\n')
    with pytest.raises(ConfigError, match=r"history\.path: unknown key; valid keys: url"):
        load_config(path)
