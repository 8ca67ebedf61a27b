"""Writing the run's reports: matrix.{json,html,md}, gate.txt, changes.json — each atomically."""

from __future__ import annotations

from pathlib import Path

from envmatrix.files import write_json_atomic, write_text_atomic
from envmatrix.reporting.model import Matrix
from envmatrix.reporting.render_html import render_html
from envmatrix.reporting.render_md import render_markdown

#: Files one run writes; removed when a run starts so a report on disk always belongs to a finished run.
RUN_FILES = ("matrix.json", "matrix.html", "matrix.md", "gate.txt", "changes.json", "envmatrix.sarif")


def clear_previous(reports: Path) -> None:
    for name in RUN_FILES:
        (reports / name).unlink(missing_ok=True)


def write_reports(reports: Path, model: Matrix, gate_text: str | None) -> list[Path]:
    """JSON first (the data: the model's dump), then the two renderings, then the gate verdict; returns what was
    written."""
    written = [write_json_atomic(reports / "matrix.json", model.dump()),
               write_text_atomic(reports / "matrix.html", render_html(model)),
               write_text_atomic(reports / "matrix.md", render_markdown(model))]
    if model.changes is not None:
        written.append(write_json_atomic(reports / "changes.json", model.changes))
    if gate_text is not None:
        written.append(write_text_atomic(reports / "gate.txt", gate_text))
    return written
