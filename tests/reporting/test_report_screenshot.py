"""matrix.html rendered by headless Chromium: one screen shows the whole matrix; evidence unfolds; filter; print."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from envmatrix.catalog import ROWS

from .conftest import ReportProject

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars")
VIEWPORT = (1400, 1000)
#: Measures the page as a reader sees it after one action; the result lands in <pre id="probe"> for --dump-dom.
PROBE = """
addEventListener("load",()=>{
const act=ACTION, out={};
const shown=e=>e.getClientRects().length>0;
if(act==="unfold"){document.querySelector('td[data-row="backups"][data-env="production"] details').open=true}
if(act==="filter"){document.querySelector('label:has(#show-fail)').click()}
if(act==="print"){dispatchEvent(new Event("beforeprint"));
 out.open_in_print=document.querySelectorAll("details[open]").length;
 dispatchEvent(new Event("afterprint"))}
out.details=document.querySelectorAll("details").length;out.open=document.querySelectorAll("details[open]").length;
out.viewport=[innerWidth,innerHeight];
out.sticky=["#matrix thead th","#matrix tbody th"].map(q=>getComputedStyle(document.querySelector(q)).position);
const t=document.getElementById("matrix").getBoundingClientRect();out.table=[t.right+scrollX,t.bottom+scrollY];
out.rows=[...document.querySelectorAll("#matrix tbody tr")].filter(shown).map(r=>r.dataset.row);
const ev=document.querySelector('td[data-row="backups"][data-env="production"] .ev');
out.evidence=shown(ev)?ev.innerText:"";
out.text=document.body.innerText.length;
const p=document.createElement("pre");p.id="probe";p.hidden=true;p.textContent=JSON.stringify(out);
document.body.append(p)});
"""


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
        if attr.get("id", "").startswith(("f-", "row-")):
            self.anchors.add(attr["id"])
        if tag == "a" and attr.get("href", "").startswith("#"):
            self.links.add(attr["href"][1:])
        if tag in ("link", "img", "iframe") or attr.get("src"):
            self.external.append(tag)


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium")
    assert binary, "chromium is not installed: run `bash scripts/setup-system.sh` once"
    return subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def probed(html: Path, action: str, where: Path) -> Path:
    """A copy of the page with the probe added; its CSP allows the probe by hash and still the page's own script."""
    probe = PROBE.replace("ACTION", json.dumps(action))
    digest = base64.b64encode(hashlib.sha256(probe.encode()).digest()).decode()
    page = re.sub(r"script-src ('sha256-[^']+')", rf"script-src \1 'sha256-{digest}'", html.read_text(), count=1)
    copy = where / f"probe-{action}.html"
    copy.write_text(page.replace("</body>", f"<script>{probe}</script></body>"))
    return copy


def measure(html: Path, action: str, where: Path, shot: Path | None = None) -> dict[str, Any]:
    """What the page shows in a 1400x1000 window after one action (and a screenshot of it, if asked)."""
    page = probed(html, action, where)
    size = f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}"
    if shot is not None:
        done = _chromium(where / f"profile-shot-{action}", f"--screenshot={shot}", size, page.as_uri())
        assert done.returncode == 0, done.stderr[-2000:]
    dom = _chromium(where / f"profile-{action}", "--dump-dom", size, page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'<pre id="probe"[^>]*>(.*?)</pre>', dom.stdout, re.S)
    assert found, "the probe did not run: " + dom.stdout[-500:]
    result: dict[str, Any] = json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&")
                                        .replace("&lt;", "<").replace("&gt;", ">"))
    return result


@pytest.fixture
def rendered(report_project: ReportProject) -> tuple[ReportProject, Path]:
    report_project.set_tfvar("production", "db_backup_retention_days", "7")
    report_project.script(**{"smoke:APP-DEBUG[staging]": "infra"})
    report_project.run("--env=all", "--no-allure", "--history=off")  # the matrix alone (history: test_report_history)
    return report_project, report_project.reports / "matrix.html"


def test_chromium_renders_the_matrix_with_the_right_statuses(rendered: tuple[ReportProject, Path],
                                                             tmp_path: Path) -> None:
    project, html = rendered
    dom = _chromium(tmp_path / "profile-dom", "--dump-dom", html.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = Cells()
    page.feed(dom.stdout)
    assert "matrix" in page.tables and not page.external
    expected = {(row["id"], env): cell["status"] for row in project.matrix()["rows"]
                for env, cell in row["cells"].items()}
    assert page.cells == expected
    assert len(page.cells) == len(ROWS) * 3
    assert page.cells[("backups", "production")] == "fail"
    assert page.cells[("debug_mode", "staging")] == "fail"
    assert page.cells[("auto_scaling", "dev")] == "waived"
    assert page.cells[("data", "production")] == "not-checked"
    assert page.cells[("debug_mode", "production")] == "pass"  # observed by the (fake) smoke check
    assert page.cells[("jwt_expiration", "production")] == "declared"  # only files back it in this project
    assert page.cells[("cost_per_month", "production")] == "not-checked"
    assert page.links and page.links <= page.anchors, "every link points at a finding or a row"
    assert {"row-backups", "row-uptime-sla"} <= page.anchors


def test_one_screen_shows_the_whole_matrix_with_evidence_folded(rendered: tuple[ReportProject, Path],
                                                                tmp_path: Path) -> None:
    project, html = rendered
    shot = tmp_path / "matrix.png"
    seen = measure(html, "none", tmp_path, shot)
    assert seen["viewport"][0] == VIEWPORT[0]  # the layout depends on the width only (nothing is sized by height)
    assert seen["open"] == 0 and seen["details"] == len(ROWS) * 3
    assert seen["sticky"] == ["sticky", "sticky"], "header row and first column stay in view while scrolling"
    assert seen["table"][0] <= VIEWPORT[0] and seen["table"][1] <= VIEWPORT[1], seen["table"]
    assert seen["rows"] == [row["id"] for row in project.matrix()["rows"]] == list(ROWS)
    assert len(ROWS) == 18, ("the document's 13 rows, then security controls, access, change control, configuration, "
                             "config structure")
    # Cells not green say why in one line each (ellipsized): the page stays short.
    assert seen["evidence"] == "" and seen["text"] < 6000, seen["text"]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000, "screenshot missing or blank"
    shutil.copy(shot, project.reports / "matrix.png")  # kept beside the report for a human to look at


def test_unfold_filter_and_print(rendered: tuple[ReportProject, Path], tmp_path: Path) -> None:
    """Unfolding a cell shows its evidence by layer; the failing filter hides passing rows; print unfolds all."""
    project, html = rendered
    unfolded = measure(html, "unfold", tmp_path, tmp_path / "unfolded.png")
    assert unfolded["open"] == 1
    evidence = unfolded["evidence"]
    assert evidence.index("DECLARED") < evidence.index("LIVE") < evidence.index("DRIFT")  # headings in capitals
    assert "terraform.tfvars.db_backup_retention_days = 7 (expected 30)" in evidence
    assert "rds:production-taskmanager-db.BackupRetentionPeriod = 30" in evidence
    shutil.copy(tmp_path / "unfolded.png", project.reports / "matrix-unfolded.png")

    filtered = measure(html, "filter", tmp_path)
    failing = [row["id"] for row in project.matrix()["rows"]
               if any(cell["status"] == "fail" for cell in row["cells"].values())]
    assert filtered["rows"] == failing == ["debug_mode", "backups"]

    printed = measure(html, "print", tmp_path)  # the page's own script, allowed by the page's own CSP
    assert printed["open_in_print"] == printed["details"] == len(ROWS) * 3 and printed["open"] == 0
    pdf = tmp_path / "matrix.pdf"
    done = _chromium(tmp_path / "profile-pdf", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert pages > 3, f"printed with the evidence unfolded: {pages} pages"
