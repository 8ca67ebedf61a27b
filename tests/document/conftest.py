"""Fixtures of the spec-check tests: a place to write a document."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_doc(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "environment-management.md"
        path.write_text(text)
        return path

    return write
