"""The snapshot threads' first paginators list botocore's service folders once, not once per thread."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import botocore
import pytest
from botocore.loaders import Loader

from envmatrix.aws.session import one_listing_at_a_time, shared_loader

THREADS = 8
DATA = str(Path(botocore.__file__).parent / "data")


def _listings_by_threads_at_once(loader: Loader, monkeypatch: pytest.MonkeyPatch) -> int:
    listed: list[str] = []
    real = os.listdir

    def listdir(path: str) -> list[str]:
        if str(path) == DATA:
            listed.append(path)
            time.sleep(0.05)  # long enough for every other thread to arrive while this one lists
        return real(path)

    monkeypatch.setattr(os, "listdir", listdir)  # botocore.loaders calls os.listdir
    start = threading.Barrier(THREADS)
    answers: list[list[str]] = []

    def first_paginator() -> None:
        start.wait()
        answers.append(loader.list_available_services("paginators-1"))

    threads = [threading.Thread(target=first_paginator) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == THREADS and all(answer == answers[0] for answer in answers)
    assert "rds" in answers[0]
    return len(listed)


def test_botocore_alone_lists_once_per_thread_that_arrives_first(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _listings_by_threads_at_once(Loader(), monkeypatch) > 1


def test_the_shared_loader_lists_once_whatever_the_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    loader = Loader()
    one_listing_at_a_time(loader)
    assert _listings_by_threads_at_once(loader, monkeypatch) == 1


def test_the_process_loader_is_the_one_listing_at_a_time() -> None:
    assert shared_loader().list_available_services.__name__ == "list_available_services"
    assert shared_loader().list_available_services.__qualname__.startswith("one_listing_at_a_time.")
