"""matrix.html rendered by headless Chromium: a screenshot, and the DOM shows the table with the right statuses."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import ReportProject

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars")


class Cells(HTMLParser):
    """Collects (row, env) -> status of the matrix cells, and the finding anchors, from a DOM dump."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str], str] = {}
        self.anchors: set[str] = set()
        self.links: set[str] = set()
        self.tables: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "table":
            self.tables.append(attr.get("id", ""))
        if tag == "td" and "data-row" in attr:
            self.cells[(attr["data-row"], attr["data-env"])] = attr["data-status"]
        if tag == "li" and attr.get("id", "").startswith("f-"):
            self.anchors.add(attr["id"])
        if tag == "a" and attr.get("href", "").startswith("#"):
            self.links.add(attr["href"][1:])
        if tag in ("script", "link", "img", "iframe") or attr.get("src"):
            self.external.append(tag)


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium")
    assert binary, "chromium is not installed: run `bash scripts/setup-system.sh` once"
    return subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def rendered(report_project: ReportProject) -> tuple[ReportProject, Path]:
    report_project.set_tfvar("production", "db_backup_retention_days", "7")
    report_project.script(**{"smoke:APP-DEBUG[staging]": "infra"})
    report_project.run("--env=all", "--no-allure")
    return report_project, report_project.reports / "matrix.html"


def test_chromium_renders_the_matrix_with_the_right_statuses(rendered: tuple[ReportProject, Path],
                                                             tmp_path: Path) -> None:
    project, html = rendered
    shot = tmp_path / "matrix.png"
    done = _chromium(tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1400,2600", html.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000, "screenshot missing or blank"
    shutil.copy(shot, project.reports / "matrix.png")  # kept beside the report for a human to look at

    dom = _chromium(tmp_path / "profile-dom", "--dump-dom", html.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = Cells()
    page.feed(dom.stdout)
    assert "matrix" in page.tables and not page.external
    expected = {(row["id"], env): cell["status"] for row in project.matrix()["rows"]
                for env, cell in row["cells"].items()}
    assert page.cells == expected
    assert len(page.cells) == 14 * 3
    assert page.cells[("backups", "production")] == "fail"
    assert page.cells[("debug_mode", "staging")] == "fail"
    assert page.cells[("auto_scaling", "dev")] == "waived"
    assert page.cells[("data", "production")] == "not-checked"
    assert page.cells[("jwt_expiration", "production")] == "pass"
    assert page.links and page.links <= page.anchors, "every failure link points at its message"
