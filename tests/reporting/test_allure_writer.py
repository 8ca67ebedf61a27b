"""The allure writer thread writes exactly what allure-pytest's own file logger writes, removes a previous run's
files, says a failed write, and hands allure-pytest's logger back for its own clean-up."""

from __future__ import annotations

import json
from pathlib import Path

import allure_commons
import pytest
from allure_commons import model2  # the module: its Test* classes would look like tests to pytest
from allure_commons.logger import AllureFileLogger

from envmatrix.reporting import allure_writer


def _items() -> list[object]:
    result = model2.TestResult(uuid="r1", name="ALB-HTTPS[production]", fullName="checks.test_alb",
                               status=model2.Status.PASSED,
                               labels=[model2.Label(name="environment", value="production")], start=1, stop=2)
    container = model2.TestResultContainer(uuid="c1", children=["r1"],
                                           befores=[model2.TestBeforeResult(name="env", start=1)])
    return [result, container]


def _contents(folder: Path) -> list[object]:
    return sorted((json.loads(path.read_text(encoding="utf-8")) for path in folder.glob("*.json")), key=json.dumps)


def test_the_thread_writes_what_allure_pytest_writes(tmp_path: Path) -> None:
    plain, threaded = AllureFileLogger(tmp_path / "plain"), allure_writer.ThreadedFileLogger(tmp_path / "threaded")
    for logger in (plain, threaded):
        result, container = _items()
        logger.report_result(result)
        logger.report_container(container)
        logger.report_attached_data(body='{"expected": "1"}', file_name="e1-attachment.json")
    threaded.flush()
    assert _contents(tmp_path / "threaded") == _contents(tmp_path / "plain")
    assert len(list((tmp_path / "threaded").iterdir())) == 3
    assert not list((tmp_path / "threaded").glob("*.tmp"))


def test_a_previous_runs_files_are_removed_first(tmp_path: Path) -> None:
    old = tmp_path / "old-result.json"
    old.write_text("{}", encoding="utf-8")
    mine = tmp_path / "notes.txt"
    mine.write_text("not allure's", encoding="utf-8")
    threaded = allure_writer.ThreadedFileLogger(tmp_path, stale=[old])
    threaded.report_result(_items()[0])
    threaded.flush()
    assert not old.exists() and mine.exists()
    assert len(list(tmp_path.glob("*-result.json"))) == 1


def test_a_failed_write_is_raised_by_flush(tmp_path: Path) -> None:
    threaded = allure_writer.ThreadedFileLogger(tmp_path / "results")
    threaded._report_dir = tmp_path / "gone" / "results"  # the folder vanished under the run
    threaded.report_result(_items()[0])
    with pytest.raises(FileNotFoundError):
        threaded.flush()


def test_install_stands_in_for_allure_pytests_logger_and_restore_hands_it_back(tmp_path: Path) -> None:
    manager = allure_commons.plugin_manager
    original = AllureFileLogger(tmp_path)
    manager.register(original)
    try:
        threaded = allure_writer.install([])
        assert threaded is not None
        assert manager.is_registered(threaded) and not manager.is_registered(original)
        manager.hook.report_result(result=_items()[0])
        allure_writer.restore(threaded)
        assert manager.is_registered(original) and not manager.is_registered(threaded)
        assert len(list(tmp_path.glob("*-result.json"))) == 1
    finally:
        if manager.is_registered(original):
            manager.unregister(original)


def test_nothing_to_stand_in_for_without_allure_results() -> None:
    assert allure_writer.install([]) is None
