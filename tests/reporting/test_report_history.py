"""What the reports say of history (issue 26, items 3-5): matrix.json/HTML/Markdown's "Since last run" and trend
chart, SARIF's baselineState, JUnit's first_seen, and notifications that fire on new or regressed findings only.

The store's answer is a HistoryView built by hand here; findings are keyed by a stand-in for the store's
fingerprint (environment and check id: enough for these results, one per check and environment).
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from envmatrix.catalog import CheckInfo
from envmatrix.escape import markdown, visible
from envmatrix.history.view import FindingState, HistoryView, RunPoint
from envmatrix.reporting import notify
from envmatrix.reporting.junit_history import add_history, junit_name
from envmatrix.reporting.matrix import build_matrix
from envmatrix.reporting.model import Matrix
from envmatrix.reporting.render_html import render_html
from envmatrix.reporting.render_md import render_markdown
from envmatrix.reporting.results import CheckResult
from envmatrix.reporting.sarif import build_sarif
from envmatrix.reporting.session import ReportBuilder
from envmatrix.reporting.since import states_of, when
from envmatrix.spec import Spec, load_spec
from envmatrix.verdict import Evidence

from .conftest import ROOT, ReportProject
from .test_report_escape import MD, _foreign_html, _inline, _rendered_text
from .test_report_golden import UPDATE_VARIABLE
from .test_report_notify import VARIABLE, Receiver, receiver  # noqa: F401 - the fixture is used by name
from .test_report_sarif import assert_valid

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
META = {"target": "sandbox", "spec_digest": "218fd972a8f2", "document": "Environment Management 1.0.0 (2025-10-30)",
        "generated_at": "2026-12-06T02:00:00+00:00", "spec_path": "fixtures/matrix.yaml", "suite_version": "0"}
SNAPSHOT = ROOT / "tests" / "golden" / "history" / "matrix.md"
HOSTILE = '<img src=x onerror=alert(1)>](javascript:x) </desc></svg><script>x</script>'


def key(result: CheckResult) -> str:
    """The test's stand-in for the store's fingerprint."""
    return f"{result.environment}:{result.check_id}"


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(ROOT / "fixtures" / "matrix.yaml")


def result(check_id: str, env: str, status: str = "fail", row: str = "backups", actual: str = "7") -> CheckResult:
    line = f"{env} {check_id} rds:{env}-db.BackupRetentionPeriod: expected 30, got {actual}"
    message = "" if status == "pass" else line
    evidence = [Evidence(env, check_id, "live", f"rds:{env}-db", "BackupRetentionPeriod", "30", actual,
                         status == "pass", message)]
    return CheckResult(f"checks/live/test_x.py::test_{check_id.lower()}[{env}]", check_id, env, "live", "backups",
                       row, "high", status, "misconfiguration" if status == "fail" else "", message,  # type: ignore[arg-type]
                       "", 0.0, evidence, True)


def state(check_id: str, env: str, which: str, days: float, message: str = "") -> FindingState:
    return FindingState(f"{env}:{check_id}", env, check_id, which, NOW - timedelta(days=days),  # type: ignore[arg-type]
                        days, message)


RESULTS = [result("DB-BACKUP-RETENTION", "production"), result("DB-MULTI-AZ", "production", row="database"),
           result("DB-ENCRYPTION", "staging", row="security"), result("DB-DELETION-PROTECTION", "production", "pass",
                                                                       row="database")]


def trend(failed_tonight: int) -> list[RunPoint]:
    points = [RunPoint(NOW - timedelta(days=29 - n), 40, n % 3, 1, "fail" if n % 3 else "pass") for n in range(29)]
    return [*points, RunPoint(NOW, 40, failed_tonight, 1, "fail")]


def view() -> HistoryView:
    findings = [state("DB-BACKUP-RETENTION", "production", "new", 0.0),
                state("DB-MULTI-AZ", "production", "unchanged", 42.5),
                state("DB-ENCRYPTION", "staging", "regressed", 1.0)]
    fixed = [state("DB-DELETION-PROTECTION", "production", "fixed", 3.0,
                   "production DB-DELETION-PROTECTION rds:production-db.DeletionProtection: expected true, got false")]
    return HistoryView(previous_run=NOW - timedelta(days=1), findings={f.fingerprint: f for f in findings},
                       fixed=fixed, trend={"production": trend(2), "staging": trend(1)})


def model(spec: Spec, history: HistoryView | None) -> Matrix:
    return build_matrix(RESULTS, spec, ["staging", "production"], META, history=history, key=key)


def test_each_finding_carries_first_seen_days_open_and_state(spec: Spec) -> None:
    dumped = model(spec, view()).dump()
    by_check = {item["check_id"]: item for item in dumped["failures"]}
    assert by_check["DB-MULTI-AZ"].items() >= {"first_seen": "2026-10-24T14:00:00Z", "days_open": 42.5,
                                               "state": "unchanged"}.items()
    assert by_check["DB-BACKUP-RETENTION"]["state"] == "new"
    assert by_check["DB-ENCRYPTION"]["state"] == "regressed"
    since = dumped["history"]
    assert since["previous_run"] == "2026-12-05T02:00:00Z"
    assert [(i["check_id"], i["state"]) for i in since["findings"]] == [
        ("DB-BACKUP-RETENTION", "new"), ("DB-ENCRYPTION", "regressed"), ("DB-MULTI-AZ", "unchanged")]
    assert [(i["check_id"], i["status"]) for i in since["fixed"]] == [("DB-DELETION-PROTECTION", "pass")]
    assert [len(since["trend"][env]) for env in ("staging", "production")] == [30, 30]
    assert json.loads(json.dumps(dumped)) == dumped


def test_without_history_matrix_json_says_nothing_of_it(spec: Spec) -> None:
    dumped = model(spec, None).dump()
    assert "history" not in dumped
    assert not {"first_seen", "days_open", "state"} & {k for item in dumped["failures"] for k in item}
    page, text = render_html(model(spec, None)), render_markdown(model(spec, None))
    assert "Since last run" not in page and "Since last run" not in text and "red-since" not in page


def test_a_store_that_could_not_answer_is_said_in_every_report(spec: Spec) -> None:
    reason = "reports/history.sqlite: schema version 9 is newer than this envmatrix (3)"
    broken = model(spec, HistoryView.unavailable(reason))
    assert broken.dump()["history"]["error"] == reason
    assert f"no history: {markdown(reason)}" in render_markdown(broken)
    assert f"no history: {reason}" in render_html(broken)
    assert not {"first_seen"} & {k for item in broken.dump()["failures"] for k in item}


class _Page(HTMLParser):
    """What a browser builds of the page: elements, their attributes, the text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: set[str] = set()
        self.text: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.update(name for name, _ in attrs)
        self.hrefs += [str(value) for name, value in attrs if name == "href"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parsed(page: str) -> _Page:
    parsed = _Page()
    parsed.feed(page)
    parsed.close()
    return parsed


def test_the_html_says_since_last_run_and_draws_each_environments_trend(spec: Spec) -> None:
    page = render_html(model(spec, view()))
    section = page[page.index("<h2>Since last run</h2>"):]
    assert "New tonight (1)" in section and "Regressed (fixed once, failing again) (1)" in section
    assert "Still open (1)" in section and "Fixed since the previous run (1)" in section
    assert "open 42 days" in section and "Previous run: " in section
    charts = re.findall(r"<svg .*?</svg>", page)
    assert len(charts) == 2, "one chart per environment with a trend"
    for chart in charts:
        assert "<title id=" in chart and "<desc id=" in chart and "http://" not in chart.replace(
            'xmlns="http://www.w3.org/2000/svg"', "")
        assert chart.count("<g data-started=") == 30
        assert re.search(r'fill="url\(#t\d-hatch\)"', chart), "failing counts are hatched, not colour alone"
        assert ">F</text>" in chart and ">P</text>" in chart, "the gate's verdict under its bar"
    assert "Tonight 40 passed, 2 failed, 1 waived" in charts[1]  # production, after staging in the columns
    assert "<script" not in section.split("<script>")[0], "the chart needs no script"


def test_a_red_cells_details_say_since_when(spec: Spec) -> None:
    page = render_html(model(spec, view()))
    cell = re.search(r'<td class="cell s-fail" data-env="production" data-row="database".*?</td>', page)
    assert cell is not None
    assert re.search(r'<details><summary>.*?</summary><p class="red-since">red since <time datetime='
                     r'"2026-10-24T14:00:00Z">2026-10-24T14:00:00Z</time> \(42 days\)</p>', cell.group(0))


def test_values_in_the_history_stay_text(spec: Spec) -> None:
    hostile = view()
    fixed = [FindingState("x", "production", "DB-X", "fixed", NOW, 0.5, f"production DB-X {HOSTILE}")]
    page = render_html(build_matrix([*RESULTS[:-1], result("DB-BACKUP-RETENTION", "staging", actual=HOSTILE)],
                                    spec, ["staging", "production"], META,
                                    history=HistoryView(hostile.previous_run, {
                                        **hostile.findings, "staging:DB-BACKUP-RETENTION": state(
                                            "DB-BACKUP-RETENTION", "staging", "new", 0.0)},
                                        fixed, hostile.trend),
                                    key=key, display_names={"production": HOSTILE}))
    parsed = _parsed(page)
    assert "img" not in parsed.tags and parsed.tags.count("script") == 1 and "onerror" not in parsed.attributes
    assert parsed.tags.count("svg") == 2 and all(href.startswith("#") for href in parsed.hrefs)
    assert visible(HOSTILE) in "".join(parsed.text)
    charts = [ET.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", page)]  # each well-formed SVG alone
    assert visible(HOSTILE) in "".join(text for root in charts for text in root.itertext())
    for root in charts:
        assert {el.tag.split("}")[-1] for el in root.iter()} <= {"svg", "title", "desc", "defs", "pattern", "rect",
                                                                 "line", "circle", "g", "text", "polyline"}
    tokens = MD.parse(render_markdown(model(spec, HistoryView(fixed=fixed))))
    assert _foreign_html(tokens) == []
    links = [str(t.attrs["href"]) for t in _inline(tokens) if t.type == "link_open"]
    assert all(href.startswith("#") for href in links), links
    assert visible(HOSTILE) in _rendered_text(tokens)


def test_the_markdown_matches_its_snapshot(spec: Spec) -> None:
    text = render_markdown(model(spec, view()))
    if os.environ.get(UPDATE_VARIABLE):
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8"), f"regenerate with {UPDATE_VARIABLE}=1 and review"


def _infos() -> list[CheckInfo]:
    return [CheckInfo(r.check_id, "live", "backups", r.row, "high", f"{r.check_id} title.")  # type: ignore[arg-type]
            for r in RESULTS]


def test_sarif_results_carry_their_baseline_state_and_first_detection() -> None:
    document = build_sarif(RESULTS, _infos(), {"production": "fixtures/p.tfvars", "staging": "fixtures/s.tfvars"},
                           history=view(), key=key)
    assert_valid(document)
    results = {r["ruleId"]: r for r in document["runs"][0]["results"]}
    assert {rule: r["baselineState"] for rule, r in results.items()} == {
        "DB-BACKUP-RETENTION": "new", "DB-MULTI-AZ": "unchanged", "DB-ENCRYPTION": "updated",
        "DB-DELETION-PROTECTION": "absent"}
    aged = results["DB-MULTI-AZ"]
    assert aged["provenance"] == {"firstDetectionTimeUtc": "2026-10-24T14:00:00Z"}
    assert aged["properties"]["firstSeen"] == "2026-10-24T14:00:00Z" and aged["level"] == "error"
    assert aged["partialFingerprints"]["envmatrixHistory/v1"] == "production:DB-MULTI-AZ"
    gone = results["DB-DELETION-PROTECTION"]
    assert (gone["kind"], gone["level"]) == ("pass", "none"), "SARIF 3.27.10: not a failure, level none"
    assert gone["partialFingerprints"]["envmatrixHistory/v1"] == "production:DB-DELETION-PROTECTION"
    assert gone["message"]["text"].startswith("fixed since the previous run: production DB-DELETION-PROTECTION")
    assert gone["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "fixtures/p.tfvars"


def test_sarif_without_history_is_as_before() -> None:
    for history in (None, HistoryView.unavailable("no store")):
        document = build_sarif(RESULTS, _infos(), history=history, key=key)
        assert_valid(document)
        assert all("baselineState" not in r and "provenance" not in r for r in document["runs"][0]["results"])
        assert len(document["runs"][0]["results"]) == 3


def test_junit_testcases_of_findings_carry_first_seen(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_cases="""
        import pytest

        @pytest.mark.parametrize("env", ["staging", "production"])
        def test_backup(env):
            assert env == "staging"
    """)
    pytester.runpytest_inprocess("-p", "no:randomly", "-p", "no:cacheprovider", "--junitxml=junit.xml",
                                 "--junit-prefix=envmatrix")
    path = pytester.path / "junit.xml"
    finding = state("DB-BACKUP-RETENTION", "production", "unchanged", 42.5)
    assert add_history(path, {"test_cases.py::test_backup[production]": finding}, "envmatrix") == 1
    cases = {case.get("name"): case for case in ET.parse(path).iter("testcase")}
    properties = {p.get("name"): p.get("value") for p in cases["test_backup[production]"].iter("property")}
    assert properties == {"first_seen": "2026-10-24T14:00:00Z", "days_open": "42.50", "history_state": "unchanged"}
    assert not list(cases["test_backup[staging]"].iter("property"))
    assert junit_name("checks/live/t.py::T::test_x[a::b]") == ("checks.live.t.T", "test_x[a::b]")


def _texts(receiver: Receiver) -> list[str]:  # noqa: F811 - the fixture's type
    return receiver.texts()


def _send(receiver: Receiver, history: HistoryView | None, spec: Spec,  # noqa: F811
          always: bool = False) -> str:
    since = model(spec, history).history
    return notify.send(notify.Request(VARIABLE, always), RESULTS, None, ["staging", "production"], Path("reports"),
                       receiver.environ(), history=since)


def test_a_notification_tells_new_and_regressed_findings_with_dates_and_fixed_ones_as_good_news(
        receiver: Receiver, spec: Spec) -> None:  # noqa: F811
    assert _send(receiver, view(), spec) == f"envmatrix: notified the webhook in ${VARIABLE}"
    text = receiver.texts()[0]
    assert "New findings (1):\n• production DB-BACKUP-RETENTION: rds:production-db.BackupRetentionPeriod: " \
           "expected 30, got 7 (first seen 2026-12-06, open less than a day)" in text
    assert "Regressed (fixed once, failing again) (1):\n• staging DB-ENCRYPTION" in text
    assert "Still open: 1 (the oldest since 2026-10-24: production DB-MULTI-AZ)" in text
    assert "Good news — fixed since the previous run (1):\n• production DB-DELETION-PROTECTION" in text


def test_findings_that_were_already_open_notify_nobody_unless_always(receiver: Receiver, spec: Spec) -> None:  # noqa: F811
    quiet = view()
    old = {fp: FindingState(s.fingerprint, s.environment, s.check_id, "unchanged", s.first_seen, s.days_open)
           for fp, s in quiet.findings.items()}
    same = HistoryView(quiet.previous_run, old, quiet.fixed, quiet.trend)
    assert _send(receiver, same, spec) == "envmatrix: no notification (no new or regressed finding)"
    assert not receiver.posts
    assert _send(receiver, same, spec, always=True).startswith("envmatrix: notified")
    assert "Still open: 3" in receiver.texts()[0] and "New findings" not in receiver.texts()[0]


def test_without_history_notifications_are_as_before(receiver: Receiver, spec: Spec) -> None:  # noqa: F811
    for history in (None, HistoryView.unavailable("reports/history.sqlite is not a database")):
        assert _send(receiver, history, spec).startswith("envmatrix: notified")
    assert all("Failures (no previous results given)" in text for text in receiver.texts())


def test_times_are_utc_whatever_the_store_hands_over(spec: Spec) -> None:
    from datetime import timezone

    assert when(datetime(2026, 12, 6, 3, 30, 15, 999, tzinfo=timezone(timedelta(hours=1)))) == "2026-12-06T02:30:15Z"
    assert when(datetime(2026, 12, 6, 2, 0)) == "2026-12-06T02:00:00Z"
    leaky = HistoryView.unavailable("could not connect to postgresql://envmatrix:Hunter2Secret9@db.example:5432/h")
    assert "Hunter2Secret9" not in json.dumps(model(spec, leaky).dump())


def test_only_results_the_view_knows_get_a_state() -> None:
    known = states_of(RESULTS, view(), key)
    assert set(known) == {r.nodeid for r in RESULTS if r.status != "pass"}
    assert states_of(RESULTS, HistoryView.unavailable("x"), key) == {} == states_of(RESULTS, None, key)


def test_a_run_reads_the_view_by_the_stores_fingerprint(spec: Spec) -> None:
    from envmatrix.history.fingerprint import fingerprint

    found = RESULTS[0]
    known = FindingState(fingerprint(found), found.environment, found.check_id, "new", NOW, 0.0)
    dumped = build_matrix(RESULTS, spec, ["staging", "production"], META,
                          history=HistoryView(findings={known.fingerprint: known})).dump()
    assert [(i["check_id"], i.get("state")) for i in dumped["failures"] if i.get("state")] == [
        ("DB-BACKUP-RETENTION", "new")]


def _stored(results: list[CheckResult]) -> HistoryView:
    """What the store would answer on a second run: every finding tonight new, one earlier run in the trend."""
    from envmatrix.history.fingerprint import fingerprint

    findings = {fingerprint(r): FindingState(fingerprint(r), r.environment, r.check_id, "new", NOW, 0.0, r.message)
                for r in results if r.status != "pass"}
    points = [RunPoint(NOW - timedelta(days=1), 5, 0, 0, "pass"), RunPoint(NOW, 4, 1, 0, "fail")]
    return HistoryView(previous_run=NOW - timedelta(days=1), findings=findings, trend={"production": points})


def test_a_run_hands_the_view_to_every_writer(report_project: ReportProject,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ReportBuilder, "_record_history", lambda self, results, meta: _stored(results))
    report_project.script(**{"live:DB-BACKUP-RETENTION[production]": "fail"})
    run = report_project.run("--env=production", "--no-allure", "--junitxml=reports/junit.xml")
    assert run.ret == 1
    finding = next(f for f in report_project.matrix()["failures"] if f["check_id"] == "DB-BACKUP-RETENTION")
    assert (finding["state"], finding["first_seen"]) == ("new", "2026-12-06T02:00:00Z")
    assert report_project.matrix()["history"]["trend"]["production"][-1]["gate"] == "fail"
    assert "<svg " in (report_project.reports / "matrix.html").read_text()
    sarif = json.loads((report_project.reports / "envmatrix.sarif").read_text())
    assert_valid(sarif)
    assert {r["ruleId"]: r.get("baselineState") for r in sarif["runs"][0]["results"]}["DB-BACKUP-RETENTION"] == "new"
    junit = ET.parse(report_project.reports / "junit.xml")
    seen = [p.get("value") for p in junit.iter("property") if p.get("name") == "first_seen"]
    assert seen == ["2026-12-06T02:00:00Z"] * len(report_project.matrix()["failures"])  # waived ones too


def test_a_store_that_cannot_answer_costs_no_report(report_project: ReportProject,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    reason = "reports/history.sqlite: file is not a database"
    monkeypatch.setattr(ReportBuilder, "_record_history",
                        lambda self, results, meta: HistoryView.unavailable(reason))
    run = report_project.run("--env=production", "--no-allure", "--junitxml=reports/junit.xml")
    assert run.ret == 0
    assert report_project.matrix()["history"] == {"previous_run": "", "findings": [], "fixed": [], "trend": {},
                                                  "error": reason}
    assert f"no history: {reason}" in (report_project.reports / "matrix.html").read_text()
    assert "first_seen" not in (report_project.reports / "junit.xml").read_text()


def test_a_fixed_finding_whose_check_did_not_run_is_anchored_at_its_environments_file() -> None:
    gone = HistoryView(fixed=[state("DB-GONE", "staging", "fixed", 2.0)])
    document = build_sarif(RESULTS, _infos(), {"staging": "fixtures/s.tfvars"}, history=gone, key=key)
    assert_valid(document)
    absent = document["runs"][0]["results"][-1]
    assert absent["baselineState"] == "absent" and "ruleIndex" not in absent
    assert absent["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "fixtures/s.tfvars"
    assert absent["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "staging/DB-GONE"


def test_a_notification_with_history_shows_no_secret_and_no_markup(receiver: Receiver, spec: Spec) -> None:  # noqa: F811
    leaked = [result("DB-BACKUP-RETENTION", "production",
                     actual="postgresql://app:Sup3rS3cretPassw0rd@db.internal/app <!channel> <https://evil|x>")]
    since = build_matrix(leaked, spec, ["production"], META, key=key,
                         history=HistoryView(findings={"production:DB-BACKUP-RETENTION": state(
                             "DB-BACKUP-RETENTION", "production", "new", 0.0)})).history
    notify.send(notify.Request(VARIABLE), leaked, None, ["production"], Path("reports"), receiver.environ(),
                history=since)
    text = receiver.texts()[0]
    assert "Sup3rS3cretPassw0rd" not in text and "S3cret" not in text
    assert "<!channel>" not in text and "<https://evil" not in text and "&lt;!channel&gt;" in text
