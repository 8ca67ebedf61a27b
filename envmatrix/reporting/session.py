"""The controller's report builder: collects every check's result, then writes the reports once."""

from __future__ import annotations

import datetime as dt
import os
import platform
import uuid
from pathlib import Path
from typing import Any

import pytest

import envmatrix
from envmatrix.catalog import CheckInfo
from envmatrix.context import Suite
from envmatrix.errors import EnvmatrixError
from envmatrix.escape import visible
from envmatrix.history.fingerprint import fingerprint
from envmatrix.history.view import HistoryView
from envmatrix.locations import shown_path
from envmatrix.outcome import info_from
from envmatrix.plugin import ACCOUNT_KEY, SHARD_KEY
from envmatrix.reporting import allure_support
from envmatrix.reporting.changes import compare, load_snapshots
from envmatrix.reporting.figures import figuring
from envmatrix.reporting.gate import GateVerdict, decide, fail_on_summary, lenient_exit
from envmatrix.reporting.junit_history import add_history
from envmatrix.reporting.keys import CATALOGUE_KEY, CATALOGUE_OUTPUT, CHECKS_OUTPUT, COLLECTED_KEY, FAIL_ON_KEY
from envmatrix.reporting.matrix import AWS_RETRIES, NOT_CHECKED, build_matrix
from envmatrix.reporting.model import Failure, SinceLastRun
from envmatrix.reporting.output import clear_previous, write_reports
from envmatrix.reporting.results import CheckResult, ResultCollector, inherit_locations
from envmatrix.reporting.sarif import SARIF_FILE, write_sarif
from envmatrix.reporting.since import states_of

_MAX_CHANGES_SHOWN = 25


def _stopped_early(session: pytest.Session) -> str:
    """-x / --maxfail stopped the run: the checks after the stop never ran (fail closed)."""
    reason = session.shouldfail or session.shouldstop
    return f"the run stopped early ({reason}): the checks after it did not run" if reason else ""


class ReportBuilder:
    """Registered in the xdist controller (or the only process): sees every TestReport, writes at the end."""

    def __init__(self, config: pytest.Config, suite: Suite, plan: dict[str, tuple[str, ...]],
                 previous: tuple[dict[str, Any], list[str]] | None) -> None:
        self.config = config
        self.suite = suite
        self.plan = plan
        self.previous = previous
        self.collector = ResultCollector()
        self.started = dt.datetime.now(dt.UTC)
        self.gate: GateVerdict | None = None
        self.changes: dict[str, Any] | None = None
        self.written: list[Path] = []
        self.skipped_writing = ""
        self.notice = ""
        self.catalogue: dict[str, list[str]] | None = None  # merged from xdist workers, if any
        self.failed_nodes: set[str] = set()  # every test that failed, check or not (for --fail-on)
        self.collection_failed = False
        self.fail_on_note = ""
        self.checks: set[CheckInfo] = set()  # the CheckInfo xdist workers collected, if any
        #: tonight against the stored past (None until the session's end; never None once reports are written)
        self.history: HistoryView | None = None
        self.history_where = ""
        clear_previous(suite.paths.reports)

    @property
    def reports(self) -> Path:
        return self.suite.paths.reports

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.collector.add(report)
        if report.failed:
            self.failed_nodes.add(report.nodeid)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_failed = True  # fail closed: --fail-on never excuses a collection error

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """xdist: each worker sends the evidence catalogue of the checks it collected."""
        self.checks.update(info_from(record) for record in getattr(node, "workeroutput", {}).get(CHECKS_OUTPUT, []))
        sent = getattr(node, "workeroutput", {}).get(CATALOGUE_OUTPUT)
        if isinstance(sent, dict):
            merged = self.catalogue if self.catalogue is not None else {}
            for row, names in sent.items():
                merged[row] = sorted(set(merged.get(row, [])) | set(names))
            self.catalogue = merged

    def _catalogue(self) -> dict[str, list[str]] | None:
        return self.config.stash.get(CATALOGUE_KEY, None) if self.catalogue is None else self.catalogue

    def _checks(self) -> set[CheckInfo]:
        """The CheckInfo of every check this session collected (here or in xdist workers): severity and titles
        are read from them, never kept elsewhere."""
        collected: set[CheckInfo] = self.config.stash.get(COLLECTED_KEY, set())
        return self.checks | collected

    def _write_sarif(self, results: list[CheckResult]) -> Path:
        files = {env: shown_path(self.suite.paths.tfvars(env), self.suite.root) for env in self.suite.selected}
        return write_sarif(results, self._checks(), self.reports / SARIF_FILE, files, self.suite.root, self.history)

    def _snapshots(self) -> dict[str, Any]:
        return load_snapshots(self.reports / "snapshots", self.suite.selected)[0]

    def _target(self) -> str:
        """"sandbox", or the account (when the snapshots name it) and region(s) the run read."""
        if self.suite.sandbox:
            return "sandbox"
        snapshots = self._snapshots()
        # the region each snapshot was read in; the spec's where no snapshot says (a run without the live layer)
        regions = sorted({str(snapshots.get(env, {}).get("region") or self.suite.spec.env(env).region)
                          for env in self.suite.selected})
        account = self.config.stash.get(ACCOUNT_KEY, "")  # the typed snapshots' identity (the live layer's)
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        stopped: dict[str, list[str]] = {}
        for env, snapshot in snapshots.items():
            if snapshot.get("access"):
                stopped.setdefault(str(snapshot["access"]), []).append(env)
        no_access = [f"NO ACCESS ({', '.join(envs)}): {why}" for why, envs in stopped.items()]
        return ", ".join(part for part in (f"account {account}" if account else "", f"region {'/'.join(regions)}",
                                           f"endpoint {endpoint}" if endpoint else "", *no_access) if part)

    def _meta(self, exitstatus: int) -> dict[str, Any]:
        doc = self.suite.spec.document
        return {"generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "started_at": self.started.isoformat(timespec="seconds"),
                "suite_version": envmatrix.__version__, "document": f"{doc.title} {doc.version} ({doc.last_updated})",
                "spec_path": str(self.suite.paths.spec), "spec_digest": self.suite.spec.digest,
                "tfvars_root": str(self.suite.paths.tfvars_root), "env_root": str(self.suite.paths.env_root),
                "environments": list(self.suite.selected), "target": self._target(),
                "sandbox": self.suite.sandbox, "pytest_exit_status": int(exitstatus),
                "plan": {env: list(layers) for env, layers in self.plan.items()},
                "source_document": self._source_document(), **self._not_checked(), **self._retries(),
                **self._shard()}

    def _shard(self) -> dict[str, str]:
        """--shard K/N: which share of the selection this run is (envmatrix merge checks every share is there)."""
        chosen = self.config.stash.get(SHARD_KEY, None)
        return {"shard": chosen.spec.label} if chosen is not None else {}

    def _retries(self) -> dict[str, str]:
        """Reads AWS throttled (or failed with 5xx) and that were retried, per environment; no entry when none was:
        the run waited for them, and its verdicts are the answers that came after."""
        parts = []
        for env, snapshot in self._snapshots().items():
            retries: dict[str, int] = snapshot.get("api_retries") or {}
            if retries:
                each = ", ".join(f"{operation} {count}" for operation, count in sorted(retries.items()))
                parts.append(f"{env}: {sum(retries.values())} of {snapshot.get('api_calls', 0)} calls ({each})")
        return {AWS_RETRIES: "; ".join(parts)} if parts else {}

    def _not_checked(self) -> dict[str, str]:
        """Variables the tfvars set that the suite has no model for, said once (environments with the same
        list share it); no entry when every variable is one the suite checks."""
        same: dict[str, list[str]] = {}
        for env in self.suite.selected:
            try:
                unchecked = self.suite.tfvars(env).unchecked
            except EnvmatrixError:
                continue  # a tfvars file that does not load is the run's own error
            if unchecked:
                same.setdefault(", ".join(unchecked), []).append(env)
        text = "; ".join(f"{', '.join(envs)}: {names}" for names, envs in same.items())
        return {NOT_CHECKED: text} if text else {}

    def _source_document(self) -> str:
        """The environment document SPEC-MATCHES-DOC read, with its digest; empty when none is configured."""
        info = self.suite.settings.get("document")
        return f"{info['path']} (sha256 {info['sha256'] or 'unreadable'})" if info else ""

    def _session_problem(self, exitstatus: int) -> str:
        if exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED):
            return ""
        return f"the pytest session ended with exit status {int(exitstatus)} ({pytest.ExitCode(exitstatus).name})"

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            self.skipped_writing = "run interrupted: no matrix report written (a partial run proves nothing)"
            return
        results = self.collector.results
        inherit_locations(results)
        if self.config.getoption("envmatrix_gate"):
            problem = self._session_problem(exitstatus) or _stopped_early(session)
            self.gate = decide(results, self.plan, self.suite.selected, problem,
                               fail_on=self.config.stash.get(FAIL_ON_KEY, None))
        meta = self._meta(exitstatus)
        # recorded before the reports are written: the writers read tonight against the past (history=...)
        self.history = self._record_history(results, meta)
        model = build_matrix(results, self.suite.spec, self.suite.selected, meta,
                             self._catalogue(), figuring(self._checks()), self.suite.project.display_names(),
                             history=self.history)
        if self.previous is not None:
            self.changes = compare(self.previous[0], self._snapshots(), self.suite.selected, self.previous[1])
            model.changes = self.changes
        if self.gate is not None:
            model.gate = self.gate.as_dict()
            if not self.gate.passed and session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
        model.fail_on = self._apply_fail_on(session, results, model.failures)
        self.written = write_reports(self.reports, model, self.gate.text() if self.gate else None)
        self.written.append(self._write_sarif(results))
        self._write_allure()
        self._junit_history(results)
        self._notify(results, model.history)

    def _record_history(self, results: list[CheckResult], meta: dict[str, Any]) -> HistoryView:
        """Tonight's results into the history store (--history / [history] url / <reports>/history.sqlite) and
        tonight against the previous run; a store that cannot be used is a reason in the view, never an error
        that would cost tonight's reports."""
        from envmatrix.history import store  # SQLAlchemy: imported at the session's end, and only then

        project = self.suite.project
        try:
            url = store.location(self.config.getoption("envmatrix_history"), project.history.url,
                                 project.base_dir(self.suite.root), self.config.invocation_params.dir, self.reports)
        except store.HistoryError as exc:
            return HistoryView.unavailable(str(exc))
        if url is None:
            return HistoryView.unavailable("history off (--history off)")
        if not results:
            return HistoryView.unavailable("no check ran: nothing recorded in the history")
        self.history_where = store.shown(url)
        verdict = None if self.gate is None else ("pass" if self.gate.passed else "fail")
        regions = sorted({self.suite.spec.env(env).region for env in self.suite.selected})
        run = store.RunMeta(run_id=uuid.uuid4().hex, started=self.started, spec_digest=self.suite.spec.digest,
                            target=str(meta["target"]), account=self.config.stash.get(ACCOUNT_KEY, ""),
                            region="/".join(regions), suite_version=envmatrix.__version__,
                            environments=tuple(self.suite.selected),
                            gate={env: verdict for env in self.suite.selected} if verdict else {})
        return store.record_and_compare(url, results, run)

    def _history_line(self) -> str:
        """The terminal's one line about the history: what changed since the last run, or why there is none."""
        view = self.history
        if view is None:
            return ""
        if view.error:
            return f"envmatrix: history: {visible(view.error)}"
        states = [finding.state for finding in view.findings.values()]
        counts = ", ".join(f"{states.count(state)} {state}" for state in ("new", "regressed", "unchanged"))
        since = f"since {view.previous_run.isoformat(timespec='seconds')}" if view.previous_run else "first run"
        return (f"envmatrix: history in {visible(self.history_where)} ({since}): {counts}, "
                f"{len(view.fixed)} fixed")

    def _apply_fail_on(self, session: pytest.Session, results: list[CheckResult],
                       failures: list[Failure]) -> dict[str, Any] | None:
        """--fail-on: pytest's "tests failed" becomes success only when every failure is a finding below it."""
        fail_on = self.config.stash.get(FAIL_ON_KEY, None)
        summary = fail_on_summary(results, fail_on, failures)
        if summary is None:
            return None
        rewrite = (session.exitstatus == pytest.ExitCode.TESTS_FAILED and not self.collection_failed
                   and not _stopped_early(session) and (self.gate is None or self.gate.passed)
                   and lenient_exit(results, self.failed_nodes, fail_on))
        if rewrite:
            session.exitstatus = pytest.ExitCode.OK
        summary["exit_status"] = int(session.exitstatus)
        if summary["not_gating"]:
            self.fail_on_note = (f"envmatrix: --fail-on {fail_on}: {summary['not_gating']} finding(s) below {fail_on} "
                                 f"reported, not gating" + ("; exit status 0" if rewrite else ""))
        return summary

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        variable = config.getoption("envmatrix_notify_webhook")
        when = "always" if config.getoption("envmatrix_notify_always") else "when something failed or changed"
        return [f"envmatrix notify: the webhook in ${variable}, {when}"] if variable else []

    def _notify(self, results: list[CheckResult], history: SinceLastRun | None = None) -> None:
        variable = self.config.getoption("envmatrix_notify_webhook")
        if not variable:
            return
        from envmatrix.reporting import notify  # httpx: only when a webhook is configured

        previous = self.config.getoption("envmatrix_previous_results") or os.environ.get(
            notify.PREVIOUS_RESULTS_VARIABLE)
        request = notify.Request(variable, bool(self.config.getoption("envmatrix_notify_always")),
                                 Path(self.config.invocation_params.dir, previous) if previous else None)
        self.notice = notify.send(request, results, self.changes, self.suite.selected, self.reports,
                                  history=history)

    def _junit_history(self, results: list[CheckResult]) -> None:
        """--junitxml with history: the findings' testcases gain first_seen (junitxml wrote the file just before
        this trylast hook)."""
        path = getattr(self.config.option, "xmlpath", None)
        if not path or self.history is None:
            return
        states = states_of(results, self.history, fingerprint)
        add_history(Path(self.config.invocation_params.dir, path), states,
                    getattr(self.config.option, "junitprefix", None) or "")

    def _write_allure(self) -> None:
        directory = self.config.option.allure_report_dir
        if not directory:
            return
        results_dir = Path(directory)
        allure_support.write_categories(results_dir)
        allure_support.write_environment(results_dir, {
            "environments": ", ".join(self.suite.selected), "spec.path": str(self.suite.paths.spec),
            "spec.digest": self.suite.spec.digest, "tfvars.root": str(self.suite.paths.tfvars_root),
            "env.root": str(self.suite.paths.env_root), "target": self._target(),
            "run.time": self.started.isoformat(timespec="seconds"), "envmatrix.version": envmatrix.__version__,
            "python.version": platform.python_version(), "pytest.version": pytest.__version__})

    def _write_changes(self, terminalreporter: Any) -> None:
        assert self.changes is not None
        write = terminalreporter.write_line
        terminalreporter.section("envmatrix: changes since the previous run")
        for note in self.changes["notes"]:
            write(visible(note))
        settings = sorted((i for i in self.changes["items"] if i["kind"] == "setting"),
                          key=lambda item: item["change"] != "changed")
        for item in settings[:_MAX_CHANGES_SHOWN]:
            # values read from AWS: one line each, so none can start a line (a forged ::error:: command)
            write(visible(f"  {item['environment']} {item['change']} {item['path']}: "
                          f"{item['before'] or '-'} -> {item['after'] or '-'}"))
        hidden = self.changes["count"] - min(len(settings), _MAX_CHANGES_SHOWN)
        if hidden:
            write(f"  ... {hidden} more (other changes, ids of re-created resources) in "
                  f"{self.reports / 'changes.json'} and matrix.html")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        write = terminalreporter.write_line
        if self.changes is not None:
            self._write_changes(terminalreporter)
        if self.skipped_writing:
            write(f"envmatrix: {self.skipped_writing}")
        elif self.written:
            write(f"envmatrix: reports in {self.reports}: " + ", ".join(p.name for p in self.written))
        if self._history_line():
            write(self._history_line())
        if self.notice:
            write(self.notice)
        if self.fail_on_note:
            write(self.fail_on_note)
        if self.gate is not None:
            for reason in self.gate.reasons:
                write(f"  gate: {visible(reason)}")
            write(self.gate.line, bold=True, red=not self.gate.passed, green=self.gate.passed)
