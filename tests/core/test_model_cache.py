"""botocore's service models are parsed once per botocore install: the cache gives back what botocore parses, is
keyed by the model file as it is now, and never stops a run (off, unwritable, or a broken entry)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.loaders
import pytest

from envmatrix.aws import model_cache
from envmatrix.aws.model_cache import CachedFileLoader


@pytest.fixture
def model(tmp_path: Path) -> Path:
    """A model file as botocore keeps one (the path without its .json extension)."""
    folder = tmp_path / "data" / "demo" / "2020-01-01"
    folder.mkdir(parents=True)
    (folder / "service-2.json").write_text(json.dumps({"metadata": {"apiVersion": "2020-01-01"},
                                                       "shapes": {"B": {"type": "string"}, "A": {"type": "long"}},
                                                       "list": [1, 2.5, None, True, "é"]}), encoding="utf-8")
    return folder / "service-2"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    seen: list[str] = []
    load = botocore.loaders.JSONFileLoader.load_file

    def counted(self: Any, file_path: str) -> Any:
        seen.append(file_path)
        return load(self, file_path)

    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", counted)
    yield seen


def test_a_second_loader_reads_the_cache_not_the_json(model: Path, tmp_path: Path, parses: list[str]) -> None:
    first = CachedFileLoader(tmp_path / "cache").load_file(str(model))
    second = CachedFileLoader(tmp_path / "cache").load_file(str(model))
    assert parses == [str(model)]  # parsed once
    assert second == json.loads(model.with_suffix(".json").read_text(encoding="utf-8")) == first
    assert list(second["shapes"]) == ["B", "A"]  # the model's order kept


def test_a_changed_model_is_parsed_again(model: Path, tmp_path: Path, parses: list[str]) -> None:
    CachedFileLoader(tmp_path / "cache").load_file(str(model))
    path = model.with_suffix(".json")
    path.write_text(json.dumps({"shapes": {"C": {"type": "string"}}}), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert CachedFileLoader(tmp_path / "cache").load_file(str(model)) == {"shapes": {"C": {"type": "string"}}}
    assert len(parses) == 2


def test_a_broken_entry_or_an_unwritable_folder_only_costs_a_parse(model: Path, tmp_path: Path,
                                                                   parses: list[str]) -> None:
    cache = tmp_path / "cache"
    CachedFileLoader(cache).load_file(str(model))
    for entry in cache.iterdir():
        entry.write_bytes(b"\x00not marshal")
    assert CachedFileLoader(cache).load_file(str(model))["metadata"] == {"apiVersion": "2020-01-01"}
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")
    assert CachedFileLoader(blocked / "cache").load_file(str(model))["list"][4] == "é"
    assert len(parses) == 3
    assert not list(cache.glob("*.tmp"))


def test_a_missing_model_is_none(tmp_path: Path) -> None:
    assert CachedFileLoader(tmp_path / "cache").load_file(str(tmp_path / "nothing" / "service-2")) is None


def test_the_folder_and_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(model_cache.VARIABLE, str(tmp_path / "mine"))
    assert model_cache.cache_folder() == tmp_path / "mine" / "botocore-models"
    monkeypatch.delenv(model_cache.VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert model_cache.cache_folder() == tmp_path / "xdg" / "envmatrix" / "botocore-models"
    monkeypatch.setenv(model_cache.VARIABLE, "off")
    assert model_cache.cache_folder() is None
    loader = botocore.loaders.create_loader()
    model_cache.install(loader)
    assert type(loader.file_loader) is botocore.loaders.JSONFileLoader


def test_botocore_builds_the_same_client_from_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import botocore.session

    def rds_model() -> dict[str, Any]:
        session = botocore.session.Session()
        loader = botocore.loaders.create_loader()
        model_cache.install(loader)
        session.register_component("data_loader", loader)
        client = session.create_client("rds", region_name="us-east-1", aws_access_key_id="k",
                                       aws_secret_access_key="s")
        operation = client.meta.service_model.operation_model("DescribeDBInstances")
        return {"input": list(operation.input_shape.members), "output": list(operation.output_shape.members)}

    monkeypatch.setenv(model_cache.VARIABLE, str(tmp_path))
    assert rds_model() == rds_model()  # parsed, then from the cache
    assert list((tmp_path / "botocore-models").iterdir())
