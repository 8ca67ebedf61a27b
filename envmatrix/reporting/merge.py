"""envmatrix merge: the reports of several runs (one per group of environments) as one report."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

import envmatrix
from envmatrix.errors import EnvmatrixError, InputError, UsageError
from envmatrix.files import copy_file_atomic
from envmatrix.history.view import HistoryView
from envmatrix.reporting import allure_support
from envmatrix.reporting.figures import Figuring
from envmatrix.reporting.gate import BLOCKING, GateVerdict, decide
from envmatrix.reporting.matrix import AWS_RETRIES, NOT_CHECKED, build_matrix
from envmatrix.reporting.model import SCHEMA, Matrix
from envmatrix.reporting.output import clear_previous, write_reports
from envmatrix.reporting.results import CheckResult
from envmatrix.spec import Spec

MATRIX_FILE = "matrix.json"
JUNIT_FILE = "junit.xml"
SNAPSHOTS_DIR = "snapshots"
#: A run's session ended normally (its checks ran; failures are in the results): anything else is a problem.
_NORMAL_EXIT = (0, 1, 5)
#: What allure writes per test: copied one by one (each name holds a uuid; the same name twice is a clash).
_ALLURE_PER_TEST = ("-result.json", "-container.json", "-attachment")
#: JUnit suite count -> the element a test case holds when it counts there.
_CASE_OUTCOMES = {"failures": "failure", "errors": "error", "skipped": "skipped"}


class ReportsError(InputError):
    """An input is not the reports folder of an envmatrix run (or its files are unreadable)."""

    kind = "merge input"


class MergeConflict(EnvmatrixError):
    """Two inputs cannot be merged: the same environment twice, different specs, the same allure file."""


@dataclass(frozen=True)
class RunReports:
    """One input: a run's reports folder and its matrix.json."""

    directory: Path
    model: Matrix

    @property
    def meta(self) -> dict[str, Any]:
        return self.model.meta

    @property
    def environments(self) -> list[str]:
        listed = self.meta.get("environments")
        if listed is None:  # written before the run listed its environments: its columns are them
            listed = self.model.environments
        return [str(env) for env in listed]  # [] is a shard that held none (its matrix shows the spec's columns)

    @property
    def digest(self) -> str:
        return str(self.meta.get("spec_digest", ""))

    @property
    def exit_status(self) -> int:
        return int(self.meta.get("pytest_exit_status", 0))

    @property
    def shard(self) -> tuple[int, int] | None:
        """(K, N) of a --shard K/N run; None: the run was not one shard of a split."""
        index, _slash, count = str(self.meta.get("shard") or "").partition("/")
        return (int(index), int(count)) if index.isdigit() and count.isdigit() else None

    @property
    def ended_cleanly(self) -> bool:
        """The session ended with exit status 0, or it was a shard holding no environment (pytest's 5: no tests
        collected; the job itself exited 0)."""
        return self.exit_status == 0 or (self.exit_status == 5 and self.shard is not None and not self.environments)

    def results(self) -> list[CheckResult]:
        """The per-check results as the run collected them (matrix.json's ``results``)."""
        return list(self.model.results)


@dataclass
class Merged:
    """What ``envmatrix merge`` wrote, and the verdict over every run."""

    out: Path
    runs: list[RunReports]
    environments: list[str]
    model: Matrix
    gate: GateVerdict | None
    written: list[str] = field(default_factory=list)
    #: the merged run against the history (None: merge was given no history)
    history: HistoryView | None = None

    @property
    def passed(self) -> bool:
        """The gate's verdict if the runs were gate runs; else: every session ended cleanly, nothing blocks."""
        if self.gate is not None:
            return self.gate.passed
        blocking = sum(self.model.summary[status] for status in BLOCKING)
        return blocking == 0 and all(run.ended_cleanly for run in self.runs)

    def lines(self) -> list[str]:
        counts = ", ".join(f"{value} {name}" for name, value in self.model.summary.items())
        runs = f"{len(self.runs)} shards" if self.model.meta.get("shards") else f"{len(self.runs)} runs"
        head = [f"envmatrix merge: {runs} ({', '.join(self.environments)}) -> {self.out}: "
                + ", ".join(self.written), f"  {counts}"]
        problems = [f"  {run.directory}: the pytest session ended with exit status {run.exit_status}"
                    for run in self.runs if not run.ended_cleanly and self.gate is None]
        if self.history is not None:
            head.append(f"  history: {self.history.error}" if self.history.error else
                        f"  history: {len(self.history.findings)} open finding(s), {len(self.history.fixed)} fixed")
        if self.gate is not None:
            return head + [f"  gate: {reason}" for reason in self.gate.reasons] + [self.gate.line]
        return head + problems + [f"MERGED: {'PASS' if self.passed else 'FAIL'}"]


def read_run(directory: Path) -> RunReports:
    """A reports folder: it holds a matrix.json of this schema with the per-check results."""
    path = directory / MATRIX_FILE
    if not directory.is_dir():
        raise ReportsError(directory, "not a reports folder (no such folder)")
    if not path.is_file():
        raise ReportsError(directory, f"not an envmatrix reports folder (no {MATRIX_FILE})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportsError(path, f"unreadable: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("meta"), dict):
        raise ReportsError(path, f"not an envmatrix matrix (schema {SCHEMA} expected)")
    if not isinstance(data.get("results"), list):
        raise ReportsError(path, "holds no per-check results (written by an older envmatrix?)")
    try:  # read back through the models it was written from
        return RunReports(directory, Matrix.model_validate(data))
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise ReportsError(path, f"{where} is not what a matrix holds: {error['msg']}") from None


def check_compatible(runs: Sequence[RunReports], spec: Spec, spec_path: Path) -> None:
    """One spec for all, each environment in one run only; raise MergeConflict naming both sides."""
    first = runs[0]
    for run in runs[1:]:
        if run.digest != first.digest:
            raise MergeConflict(f"{first.directory} has spec digest {first.digest}, {run.directory} has spec digest "
                                f"{run.digest}: merge only runs of one spec")
    if spec.digest != first.digest:
        raise MergeConflict(f"the spec {spec_path} has digest {spec.digest}, the reports were made with spec digest "
                            f"{first.digest}: pass --spec the spec the runs used")
    seen: dict[str, Path] = {}
    for run in runs:
        for env in run.environments:
            if env in seen:
                raise MergeConflict(f"environment {env} is in both {seen[env]} and {run.directory}")
            seen[env] = run.directory
        unknown = [env for env in run.environments if env not in spec.environments]
        if unknown:
            raise MergeConflict(f"{run.directory} holds {', '.join(unknown)}, which the spec does not define")


def check_shards(runs: Sequence[RunReports]) -> int | None:
    """--shard runs: each share once, of one split; when every input is a shard, all N of them. Returns N (None:
    not every input is a shard). Raise MergeConflict naming the runs, or the missing shard."""
    sharded = [(run, run.shard) for run in runs if run.shard is not None]
    seen: dict[tuple[int, int], Path] = {}
    for run, shard in sharded:
        if shard in seen:
            raise MergeConflict(f"shard {shard[0]}/{shard[1]} is in both {seen[shard]} and {run.directory}")
        seen[shard] = run.directory
    counts = sorted({shard[1] for _run, shard in sharded})
    if len(counts) > 1:
        first = next(run for run, shard in sharded if shard[1] == counts[0])
        other = next(run for run, shard in sharded if shard[1] == counts[1])
        raise MergeConflict(f"{first.directory} is shard {first.meta['shard']}, {other.directory} is shard "
                            f"{other.meta['shard']}: merge the shards of one split")
    if not sharded or len(sharded) < len(runs):
        return None
    count = counts[0]
    missing = [index for index in range(1, count + 1) if (index, count) not in seen]
    if missing:
        given = ", ".join(f"{index}/{count}" for index, _count in sorted(seen))
        raise MergeConflict(f"shard {', '.join(f'{index}/{count}' for index in missing)} "
                            f"{'is' if len(missing) == 1 else 'are'} missing (given: {given}); merge every shard's "
                            f"reports")
    return count


def _catalogue(runs: Sequence[RunReports]) -> dict[str, list[str]] | None:
    """The union of the runs' evidence catalogues (None when no run knew its catalogue)."""
    known = [run.model.evidence_catalogue for run in runs]
    if all(catalogue is None for catalogue in known):
        return None
    merged: dict[str, set[str]] = {}
    for catalogue in known:
        for row, names in (catalogue or {}).items():
            merged.setdefault(row, set()).update(names)
    return {row: sorted(names) for row, names in merged.items()}


def _figures(runs: Sequence[RunReports]) -> Figuring:
    """Each cell's figure as the run that checked its environment showed it: the checks that word it ran there,
    not here (each environment is in one run only)."""
    shown = {(row.id, env): cell.figure for run in runs for row in run.model.rows
             for env, cell in row.cells.items() if env in run.environments}
    return lambda row, env, _results: shown.get((row, env), "")


def _joined(runs: Sequence[RunReports], key: str) -> str:
    return "; ".join(dict.fromkeys(str(run.meta.get(key, "")) for run in runs if run.meta.get(key)))


def _meta(runs: Sequence[RunReports], environments: list[str], spec_path: Path) -> dict[str, Any]:
    started = sorted(str(run.meta.get("started_at", "")) for run in runs)
    plan: dict[str, list[str]] = {}
    for run in runs:
        plan.update(run.meta.get("plan") or {})
    worst = next((run.exit_status for run in runs if not run.ended_cleanly), 0)
    first = {key: value for key, value in runs[0].meta.items() if key != "shard"}  # the merge is no one shard
    return {**first, "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "started_at": started[0], "suite_version": envmatrix.__version__, "spec_path": str(spec_path),
            "environments": environments, "target": _joined(runs, "target"),
            "sandbox": all(bool(run.meta.get("sandbox")) for run in runs), "pytest_exit_status": worst,
            "plan": plan, "source_document": _joined(runs, "source_document"),
            "merged_from": [str(run.directory) for run in runs],
            **({"shards": count} if (count := check_shards(runs)) else {}),
            **({NOT_CHECKED: unchecked} if (unchecked := _joined(runs, NOT_CHECKED)) else {}),
            **({AWS_RETRIES: retried} if (retried := _joined(runs, AWS_RETRIES)) else {})}


def _changes(runs: Sequence[RunReports]) -> dict[str, Any] | None:
    found = [run.model.changes for run in runs if run.model.changes]
    if not found:
        return None
    items = [item for changes in found for item in changes.get("items", [])]
    return {"notes": [note for changes in found for note in changes.get("notes", [])], "items": items,
            "count": len(items)}


def _session_problem(runs: Sequence[RunReports]) -> str:
    return "; ".join(f"{run.directory}: the pytest session ended with exit status {run.exit_status}"
                     for run in runs if run.exit_status not in _NORMAL_EXIT)


def merged_model(runs: Sequence[RunReports], spec: Spec, spec_path: Path,
                 history: HistoryView | None = None) -> tuple[Matrix, GateVerdict | None]:
    """The matrix over every run, built by the code a run builds it with; the gate recomputed over all;
    ``history``: the merged run against the stored past (None: the merge keeps none)."""
    wanted = {env for run in runs for env in run.environments}
    environments = [env for env in spec.environments if env in wanted]  # the spec's promotion order
    results = [result for run in runs for result in run.results()]
    meta = _meta(runs, environments, spec_path)
    displays = {env: name for run in runs for env, name in (run.model.display_names or {}).items()}
    model = build_matrix(results, spec, environments, meta, _catalogue(runs), _figures(runs), displays,
                         history=history)
    model.changes = _changes(runs)
    gate = None
    if any(run.model.gate is not None for run in runs):
        gate = decide(results, {env: tuple(layers) for env, layers in meta["plan"].items()}, environments,
                      _session_problem(runs))
        model.gate = gate.as_dict()
    return model, gate


def _suites(path: Path) -> list[ET.Element]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise ReportsError(path, f"not JUnit XML: {exc}") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise ReportsError(path, f"not JUnit XML (root element <{root.tag}>)")
    return [root] if root.tag == "testsuite" else list(root.iter("testsuite"))


def _counts(suite: ET.Element) -> dict[str, int]:
    """The counts pytest wrote on the suite; any it left out, counted from the cases."""
    cases = list(suite.iter("testcase"))
    counted = {"tests": len(cases), **{name: sum(1 for case in cases if case.find(tag) is not None)
                                       for name, tag in _CASE_OUTCOMES.items()}}
    return {name: int(suite.get(name) or value) for name, value in counted.items()}


def merge_junit(runs: Sequence[RunReports]) -> ET.Element | None:
    """One <testsuites> holding every run's suites (each named after its environments), totals summed."""
    files = {run.directory: sorted(run.directory.glob("junit*.xml")) for run in runs}
    if not any(files.values()):
        return None
    missing = [directory for directory, found in files.items() if not found]
    if missing:
        raise ReportsError(missing[0], "holds no junit*.xml while the other runs do (every case must be merged)")
    root = ET.Element("testsuites", {"name": "envmatrix merge"})
    totals = dict.fromkeys(("tests", *_CASE_OUTCOMES), 0)
    time = 0.0
    for run in runs:
        for path in files[run.directory]:
            for suite in _suites(path):
                name = suite.get("name") or "pytest"
                if not name.endswith("]"):  # an earlier merge's suite already names its environments
                    suite.set("name", f"{name} [{', '.join(run.environments) or 'no environment'}]")
                for name, value in _counts(suite).items():
                    suite.set(name, str(value))
                    totals[name] += value
                time += float(suite.get("time") or 0)
                root.append(suite)
    root.attrib.update({name: str(value) for name, value in totals.items()})
    root.set("time", f"{time:.3f}")
    return root


def plan_allure(runs: Sequence[RunReports]) -> list[Path] | None:
    """Every run's per-test allure files; a name (a uuid) in two runs is a conflict."""
    folders = {run.directory: run.directory / allure_support.RESULTS_DIR for run in runs}
    present = {directory: folder for directory, folder in folders.items() if folder.is_dir()}
    if not present:
        return None
    if len(present) < len(folders):
        lacking = next(directory for directory in folders if directory not in present)
        raise ReportsError(lacking, f"holds no {allure_support.RESULTS_DIR} while the other runs do")
    owner: dict[str, Path] = {}
    files: list[Path] = []
    for directory, folder in present.items():
        for path in sorted(folder.iterdir()):
            if not path.is_file() or not any(part in path.name for part in _ALLURE_PER_TEST):
                continue
            if path.name in owner:
                raise MergeConflict(f"allure file {path.name} is in both {owner[path.name]} and {directory}")
            owner[path.name] = directory
            files.append(path)
    return files


def merge_allure(files: Sequence[Path], target: Path, meta: dict[str, Any], digest: str) -> int:
    """Copy the per-test files; categories and environment.properties are written once, for the merge."""
    target.mkdir(parents=True, exist_ok=True)
    for path in files:
        copy_file_atomic(path, target / path.name)
    allure_support.write_categories(target)
    allure_support.write_environment(target, {
        "environments": ", ".join(meta["environments"]), "spec.digest": digest, "target": str(meta["target"]),
        "merged.from": ", ".join(meta["merged_from"]), "envmatrix.version": envmatrix.__version__})
    return len(files) + 2


def copy_snapshots(runs: Sequence[RunReports], target: Path) -> int:
    """Each run's snapshots of the environments it ran (a reports folder may hold older ones of others)."""
    copied = 0
    for run in runs:
        for env in run.environments:
            source = run.directory / SNAPSHOTS_DIR / f"{env}.json"
            if source.is_file():
                target.mkdir(parents=True, exist_ok=True)
                copy_file_atomic(source, target / source.name)
                copied += 1
    return copied


def _prepare_out(out: Path, runs: Sequence[RunReports]) -> None:
    """--out is new, empty, or an earlier merge's output (whose files are replaced); never an input."""
    if any(out.resolve() == run.directory.resolve() for run in runs):
        raise UsageError(f"--out {out} is one of the inputs; write the merged report elsewhere")
    # the history a CI cache put there before the merge (<out>/history.sqlite) is no report: it stays
    if out.is_dir() and any(not path.name.startswith("history.sqlite") for path in out.iterdir()):
        previous = out / MATRIX_FILE
        try:
            merged_before = "merged_from" in json.loads(previous.read_text(encoding="utf-8"))["meta"]
        except (OSError, ValueError, KeyError, TypeError):
            merged_before = False
        if not merged_before:
            raise UsageError(f"--out {out} is not empty and holds no earlier merge; give a new folder")
        clear_previous(out)
        (out / JUNIT_FILE).unlink(missing_ok=True)
        allure_support.clean_results(out / allure_support.RESULTS_DIR)
        shutil.rmtree(out / SNAPSHOTS_DIR, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)


def run_id(runs: Sequence[RunReports]) -> str:
    """The merged run's id in the history: the same shards give the same id, so a second merge of them is not a
    second run (the history records it once)."""
    parts = sorted(json.dumps([run.meta.get(key) for key in ("started_at", "generated_at", "environments",
                                                            "spec_digest")], default=str) for run in runs)
    return "merge-" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def record_history(url: str | None, runs: Sequence[RunReports], model: Matrix,
                   gate: GateVerdict | None) -> HistoryView:
    """The shards' results appended to the history once, as one run (the shards themselves ran --history off)."""
    from envmatrix.history import store  # SQLAlchemy: only when merge keeps history

    if url is None:
        return HistoryView.unavailable("history off (--history off)")
    try:
        started = dt.datetime.fromisoformat(str(model.meta.get("started_at")))
    except ValueError:
        started = dt.datetime.now(dt.UTC)
    verdict = None if gate is None else ("pass" if gate.passed else "fail")
    meta = store.RunMeta(run_id(runs), started, spec_digest=str(model.meta.get("spec_digest", "")),
                         target=str(model.meta.get("target", "")), suite_version=envmatrix.__version__,
                         environments=tuple(model.environments),
                         gate={env: verdict for env in model.environments} if verdict else {})
    return store.record_and_compare(url, [result for run in runs for result in run.results()], meta)


def merge(directories: Sequence[Path], out: Path, spec: Spec, spec_path: Path,
          history: str | None = None) -> Merged:
    """Read and check every input first, then write: a conflict leaves --out untouched. ``history`` is the
    store's URL (None: none kept); it is written before the reports, which read it."""
    if not directories:
        raise UsageError("merge: give the reports folders of at least one run")
    runs = [read_run(directory) for directory in directories]
    check_shards(runs)  # first: two runs of one shard are that, not merely the same environments twice
    check_compatible(runs, spec, spec_path)
    model, gate = merged_model(runs, spec, spec_path)
    junit = merge_junit(runs)
    allure = plan_allure(runs)
    _prepare_out(out, runs)
    view = record_history(history, runs, model, gate) if history is not None else None
    if view is not None:  # the reports read the merged run against the past: built again with the view
        model, gate = merged_model(runs, spec, spec_path, view)
    merged = Merged(out, runs, model.environments, model, gate, history=view)
    if junit is not None:
        ET.ElementTree(junit).write(out / JUNIT_FILE, encoding="utf-8", xml_declaration=True)
        merged.written.append(f"{JUNIT_FILE} ({junit.get('tests')} cases)")
    if allure is not None:
        copied = merge_allure(allure, out / allure_support.RESULTS_DIR, model.meta, spec.digest)
        merged.written.append(f"{allure_support.RESULTS_DIR} ({copied} files)")
    snapshots = copy_snapshots(runs, out / SNAPSHOTS_DIR)
    merged.written.append(f"{SNAPSHOTS_DIR} ({snapshots})")
    written = write_reports(out, model, gate.text() if gate else None)
    merged.written += [path.name for path in written]
    return merged


__all__ = ["MergeConflict", "Merged", "ReportsError", "RunReports", "merge", "read_run", "record_history", "run_id"]
