"""Reports a value cannot rewrite: hostile values from AWS or the service stay visible text in every report."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from envmatrix.catalog import CheckInfo
from envmatrix.errors import InventoryUnavailable
from envmatrix.escape import code, markdown, sarif_text, visible
from envmatrix.reporting.figures import figuring
from envmatrix.reporting.matrix import build_matrix
from envmatrix.reporting.model import Matrix
from envmatrix.reporting.output import write_reports
from envmatrix.reporting.render_html import render_html
from envmatrix.reporting.render_md import render_markdown
from envmatrix.reporting.results import CheckResult
from envmatrix.reporting.sarif import build_sarif, write_sarif
from envmatrix.reporting.session import ReportBuilder
from envmatrix.spec import Spec, load_spec
from envmatrix.verdict import compare
from tests.conftest import shipped_checks

from .conftest import ROOT, ReportProject
from .test_report_sarif import assert_valid

#: What an env variable, a tag, an alarm name or an HTTP body may hold.
HOSTILE = [
    "`code` **bold** _em_ ~~gone~~",
    '<img src=x onerror="alert(1)">',
    "[click](https://evil.example/a)",
    "](javascript:alert(1))",
    "<https://evil.example/auto>",
    "bare https://evil.example/bare and www.evil.example",
    "&lt;b&gt; &amp; &#60;i&#62;",
    "ok\r<!-- the rest of the report is a comment",
    "<script>alert(1)</script>",
    "<details><summary>open</summary> </table></details>",
    "| fake | cell |",
    "![pixel](https://evil.example/p.png)",
    "$\\color{red}{math}$ \\",
    "line\n::error::forged\n::add-mask::x",
    "nul\x00 esc\x1b[31m del\x7f sep\u2028para\u2029 rtl\u202e tab\t",
    "lone \ud800 surrogate",
    "``` fence ``` `",
]
MD = MarkdownIt("commonmark", {"html": True}).enable("table")  # as GitHub renders a job summary
#: The report's own inline HTML: anchors of rows and findings, the folded evidence.
OURS = re.compile(r'<a id="(row|f)-[a-z0-9-]+">|</a>|<details><summary>[^<>]*</summary>|</details>')


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(ROOT / "fixtures" / "matrix.yaml")


def _result(check_id: str, layer: str, row: str, value: str, *, env: str = "production") -> CheckResult:
    """A failed check whose resource (a tag, an alarm name), value and message all carry ``value``."""
    evidence = compare(env=env, check_id=check_id, layer=layer, resource=f"cloudwatch:{value}", setting="Tags.Team",
                       expected="platform", actual=value)
    return CheckResult(f"checks/{layer}/t.py::test_{check_id}[{env}]", check_id, env, layer, "sla", row, "high",
                       "fail", "misconfiguration", evidence.message, "", 0.0, [evidence], True)


def _hostile_model(spec: Spec) -> Matrix:
    results = [_result("DB-BACKUP-RETENTION", "live", "backups", value) for value in HOSTILE[:6]]
    results += [_result("APP-DEBUG", "smoke", "debug_mode", value, env="staging") for value in HOSTILE[6:12]]
    body = CheckResult("checks/smoke/t.py::test_health[dev]", "APP-HEALTH", "dev", "smoke", "flags", "debug_mode",
                       "high", "error", "infrastructure", str(InventoryUnavailable("dev", "GET /health", HOSTILE[7])))
    results += [_result("DB-MULTI-AZ", "live", "database", value, env="dev") for value in HOSTILE[12:]] + [body]
    model = build_matrix(results, spec, ["dev", "staging", "production"],
                         {"target": "account <b>1</b>", "spec_digest": "x", "generated_at": "now"},
                         figures=figuring(shipped_checks()))
    model.failures[0].owner = HOSTILE[2]
    return model


def _inline(tokens: list[Token]) -> list[Token]:
    return [child for token in tokens if token.type == "inline" for child in token.children or []]


def _foreign_html(tokens: list[Token]) -> list[str]:
    """Every piece of live HTML in the rendered report that is not the report's own."""
    pieces = [line for t in tokens if t.type == "html_block" for line in t.content.splitlines() if line.strip()]
    pieces += [t.content for t in _inline(tokens) if t.type == "html_inline"]
    return [piece for piece in pieces if not OURS.fullmatch(piece.strip())]


def _rendered_text(tokens: list[Token]) -> str:
    return "\n".join("".join(c.content for c in t.children or [] if c.type in ("text", "code_inline"))
                     for t in tokens if t.type == "inline")


@pytest.mark.parametrize("value", HOSTILE)
def test_escaped_markdown_renders_as_exactly_the_visible_text(value: str) -> None:
    tokens = MD.parseInline(markdown(value))[0].children or []
    assert {t.type for t in tokens} <= {"text"}, [(t.type, t.content) for t in tokens]
    assert "".join(t.content for t in tokens) == visible(value)
    span = MD.parseInline(code(value))[0].children or []
    assert [(t.type, t.content) for t in span] == [("code_inline", visible(value))]


def test_visible_shows_controls_escaped_and_leaves_ordinary_text_alone() -> None:
    assert visible("line\n::error::x\r\t\x00\u2028\ud800") == r"line\n::error::x\r\t\x00\u2028\ud800"
    assert visible("db.r6g.large, 30 days, ~$80 — ünïcode ✅") == "db.r6g.large, 30 days, ~$80 — ünïcode ✅"
    assert code("a ` b") == "``a ` b``" and code("`x`") == "`` `x` ``" and code("plain") == "`plain`"


def test_no_value_adds_a_tag_comment_or_link_to_matrix_md(spec: Spec) -> None:
    model = _hostile_model(spec)
    tokens = MD.parse(render_markdown(model))
    assert _foreign_html(tokens) == []
    links = [str(t.attrs["href"]) for t in _inline(tokens) if t.type == "link_open"]
    assert links and all(re.fullmatch(r"#f-\d+", href) for href in links), links
    assert not [t for t in _inline(tokens) if t.type in ("image", "em_open", "strong_open") and "evil" in t.content]
    text = _rendered_text(tokens)
    for item in model.failures:  # every finding of matrix.json is there, whole, as text
        assert visible(item.message) in text
    for value in HOSTILE:
        assert visible(value) in text
    assert visible(HOSTILE[2]) in text, "the owner (checks.yaml) is text too"


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.comments: list[str] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)
        self.hrefs += [str(value) for name, value in attrs if name == "href"]

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_no_value_adds_an_element_attribute_or_comment_to_matrix_html(spec: Spec) -> None:
    page = render_html(_hostile_model(spec))
    parsed = _Elements()
    parsed.feed(page)
    parsed.close()
    assert "img" not in parsed.tags and page.count("<details>") == page.count("</details>")
    assert not parsed.attributes & {"onerror", "src"} and not parsed.comments
    assert all(href.startswith("#") for href in parsed.hrefs)
    assert page.count("<script>") == 1, "only the report's own script"
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u2028\u2029\ud800-\udfff]", page), "controls are shown escaped"
    text = "".join(parsed.text)
    for value in HOSTILE:
        assert visible(value) in text


def test_sarif_message_text_has_no_link_from_a_value() -> None:
    result = _result("DB-BACKUP-RETENTION", "live", "backups", "[click](https://evil.example) \\[x\\]")
    document = build_sarif([result], [CheckInfo("DB-BACKUP-RETENTION", "live", "backups", "backups", "high", "t")])
    assert_valid(document)
    text = document["runs"][0]["results"][0]["message"]["text"]
    assert re.search(r"(?<!\\)(\\\\)*[\[\]]", text) is None, f"an unescaped bracket: {text}"
    assert r"\[click\](https://evil.example) \\\[x\\\]" in text
    assert sarif_text("expected 30, got 7 (file.tfvars:16)") == "expected 30, got 7 (file.tfvars:16)"


def test_a_failure_line_keeps_its_format_and_shows_controls_escaped() -> None:
    plain = compare(env="production", check_id="DB-X", layer="live", resource="rds:db", setting="MultiAZ",
                    expected=True, actual="no, really")
    assert plain.message == "production DB-X rds:db.MultiAZ: expected true, got no, really"
    forged = compare(env="production", check_id="DB-X", layer="live", resource="alarm\n::warning::x",
                     setting="Tag", expected="a", actual="b\r\n::error::forged\x00\ud800")
    assert forged.message == (r"production DB-X alarm\n::warning::x.Tag: expected a, "
                              r"got b\r\n::error::forged\x00\ud800")
    assert forged.actual == r"b\r\n::error::forged\x00\ud800"
    assert str(InventoryUnavailable("dev", "GET /health", "HTTP 500: <html>\n::error::x")) == \
        r"dev: cannot read GET /health: HTTP 500: <html>\n::error::x"


def test_one_bad_character_stops_no_report(spec: Spec, tmp_path: Path) -> None:
    """A lone surrogate (a JSON \\ud800 in a health answer), a NUL, an invalid XML character: all written, all
    parse."""
    model = _hostile_model(spec)
    model.failures[0].message += " raw \ud800 \x00 \x0b"  # as if a value bypassed the failure line
    model.rows[0].cells["production"].figure = "\udfff\x00"
    written = write_reports(tmp_path, model, None)
    results = [_result("DB-BACKUP-RETENTION", "live", "backups", "\ud800\x00\x0b")]
    results[0].message += "\ud800"
    written.append(write_sarif(results, [CheckInfo("DB-BACKUP-RETENTION", "live", "backups", "backups", "high",
                                                   "t")], tmp_path / "envmatrix.sarif"))
    assert sorted(path.name for path in written) == ["envmatrix.sarif", "matrix.html", "matrix.json", "matrix.md"]
    json.loads((tmp_path / "matrix.json").read_text())
    assert_valid(json.loads((tmp_path / "envmatrix.sarif").read_text(encoding="utf-8")))
    parser = _Elements()
    parser.feed((tmp_path / "matrix.html").read_text(encoding="utf-8"))
    assert MD.parse((tmp_path / "matrix.md").read_text(encoding="utf-8"))


def test_a_hostile_value_travels_from_a_check_to_every_report(report_project: ReportProject) -> None:
    """End to end: env.expect with a value and a resource from AWS, a health body in an unavailable reason."""
    value = "ok\r\n::error::forged <img src=x> [x](javascript:1) <!-- \ud800"
    report_project.script(**{"live:DB-BACKUP-RETENTION[production]": {"actual": value,
                                                                       "resource": "alarm `x` | <b>y</b>"},
                             "smoke:APP-DEBUG[production]": {"reason": "HTTP 500 body: <details>\n::add-mask::x"}})
    result = report_project.run("--env=production")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    reports = report_project.reports
    assert not [line for line in result.outlines if line.startswith("::")], "a value forged a workflow command"
    junit = ET.parse(reports / "junit.xml").getroot()
    failures = [element for element in junit.iter() if element.tag in ("failure", "error")]
    assert len(failures) == 2
    for element in failures:
        shown = [element.get("message", ""), *(element.text or "").splitlines()]
        assert not [line for line in "\n".join(shown).splitlines() if line.lstrip().startswith("::")]
    model = report_project.matrix()
    found = {item["check_id"]: item["message"] for item in model["failures"]}
    assert found["DB-BACKUP-RETENTION"].endswith(r"got ok\r\n::error::forged <img src=x> [x](javascript:1) <!-- "
                                                 r"\ud800")
    tokens = MD.parse((reports / "matrix.md").read_text(encoding="utf-8"))
    assert _foreign_html(tokens) == []
    assert all(str(t.attrs["href"]).startswith("#f-") for t in _inline(tokens) if t.type == "link_open")
    text = _rendered_text(tokens)
    assert all(visible(message) in text for message in found.values())
    sarif = json.loads((reports / "envmatrix.sarif").read_text(encoding="utf-8"))
    assert_valid(sarif)
    assert all(re.search(r"(?<!\\)(\\\\)*[\[\]]", r["message"]["text"]) is None for r in sarif["runs"][0]["results"])
    for path in (reports / "allure-results").glob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))


def test_a_changed_value_cannot_start_a_terminal_line(tmp_path: Path) -> None:
    """--previous-snapshots prints what changed: the values come from AWS (a tag edited to forge a command)."""
    lines: list[str] = []
    reporter = SimpleNamespace(section=lambda *args, **kwargs: None, write_line=lines.append)
    changes = {"notes": ["production: 1 change(s)\n::error::note"], "count": 1,
               "items": [{"kind": "setting", "environment": "production", "change": "changed",
                          "path": "tags.Team", "before": "a", "after": "b\r\n::error::forged"}]}
    ReportBuilder._write_changes(SimpleNamespace(changes=changes, reports=tmp_path), reporter)  # type: ignore[arg-type]
    assert lines == ["production: 1 change(s)\\n::error::note",
                     "  production changed tags.Team: a -> b\\r\\n::error::forged"]
