"""The conformance matrix as data: documented rows x environments, each cell with what every layer saw."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from envmatrix.catalog import LAYERS, OBSERVING, ROWS
from envmatrix.history.fingerprint import fingerprint
from envmatrix.history.view import HistoryView
from envmatrix.reporting.figures import Figuring, no_figures
from envmatrix.reporting.model import Cell, Entry, Failure, FirstFailure, Matrix, Row, StatusCount, Value
from envmatrix.reporting.results import CheckResult, summarize
from envmatrix.reporting.since import Key, annotate, since_last_run, states_of
from envmatrix.reporting.statuses import legend
from envmatrix.spec import EnvironmentSpec, Spec

#: How each layer is named in a cell; smoke is what the running service was *observed* to do.
LAYER_LABELS: dict[str, str] = {"declared": "declared", "live": "live", "drift": "drift",
                                "parity": "parity", "smoke": "observed"}
CELL_STATUSES: tuple[str, ...] = ("pass", "fail", "waived", "not-checked", "declared")
#: Result statuses a cell's first failing line is taken from (a waiver is not a failure).
_FAILING = ("fail", "error", "skipped")
#: The run's tfvars variables the suite has no model for (meta key, and its header fact's label).
NOT_CHECKED = "tfvars_not_checked"
NOT_CHECKED_LABEL = "tfvars not checked by this suite"
#: the AWS reads that were retried (throttled), per environment; only when some were
AWS_RETRIES = "aws_retries"
AWS_RETRIES_LABEL = "AWS retries"
_SECURITY_CONTROLS: dict[str, str] = {"waf": "WAF", "backup_bucket": "backup bucket",
                                      "log_archive_bucket": "log archive", "hsts": "HSTS", "basic_auth": "basic auth"}


def documented(spec: EnvironmentSpec, row: str) -> str:
    """The text the document shows in this cell (rows beyond the document's table get a summary)."""
    cells = spec.matrix.model_dump()
    if row in cells:
        return str(cells[row])
    if row == "security":
        controls = [label for name, label in _SECURITY_CONTROLS.items() if getattr(spec.security, name)]
        if spec.secrets.from_secrets_manager:
            controls.append("secrets in Secrets Manager")
        return ", ".join(controls) or "baseline"
    if row == "configuration":
        return f"{spec.region}, {spec.domain_name}"
    if row == "config_structure":
        return "Same config structure"
    return ""


def cell_status(results: Sequence[CheckResult]) -> str:
    """fail beats waived beats the rest; errors and skips count as fail (the check could not prove anything).

    Otherwise the cell is "pass" only when a check that is evidence of the row (catalogue: evidence=True) ran in
    an observing layer (live, smoke); "declared" when its evidence came from files only; "not-checked" when no
    evidence of it ran at all, whatever supporting checks passed.
    """
    statuses = {result.status for result in results}
    if statuses & {"fail", "error", "skipped"}:
        return "fail"
    if "waived" in statuses:
        return "waived"
    proven = {result.layer for result in results if result.proves}
    if proven & set(OBSERVING):
        return "pass"
    return "declared" if proven else "not-checked"


def cell_reason(row: str, status: str, results: Sequence[CheckResult],
                catalogue: dict[str, list[str]] | None) -> str:
    """Why a cell is "declared only" or "not checked", from what ran and what the catalogue holds for the row."""
    if status not in ("declared", "not-checked"):
        return ""
    defined = None if catalogue is None else catalogue.get(row, [])
    observing = [name for name in defined or [] if name.partition(":")[0] in OBSERVING]
    if status == "declared":
        return ("no live or smoke evidence of this row ran here" if observing or defined is None
                else "no check observes this row yet, only files")
    if defined == []:
        return "no check is evidence of this row yet"
    supporting = len(results)
    ran = f" ({supporting} supporting check{'' if supporting == 1 else 's'} ran)" if supporting else ""
    return "no evidence of this row ran here (not selected, or none applies)" + ran


def _entry(result: CheckResult, anchor: str | None) -> Entry:
    values = [Value(setting=f"{ev.resource}.{ev.setting}", expected=ev.expected, actual=ev.actual,
                    passed=ev.passed, location=ev.location) for ev in result.evidence]
    return Entry(check_id=result.check_id, layer=result.layer, layer_label=LAYER_LABELS.get(result.layer,
                 result.layer), status=result.status, kind=result.kind, values=values, message=result.message,
                 waiver=result.waiver, failure=anchor, proves=result.proves, severity=result.severity,
                 owner=result.owner)


def _ordered(results: Iterable[CheckResult], environments: Sequence[str]) -> list[CheckResult]:
    rows, layers = list(ROWS), list(LAYERS)

    def key(result: CheckResult) -> tuple[int, int, int, str]:
        return (environments.index(result.environment) if result.environment in environments else 99,
                rows.index(result.row) if result.row in rows else 99,
                layers.index(result.layer) if result.layer in layers else 99, result.check_id)

    return sorted(results, key=key)


def failures(results: Sequence[CheckResult], environments: Sequence[str]) -> list[Failure]:
    """Every result that did not pass, in matrix order, each with the anchor its cell links to."""
    out: list[Failure] = []
    for result in _ordered(results, environments):
        if result.status != "pass":
            out.append(Failure(anchor=f"f-{len(out) + 1}", environment=result.environment,
                               check_id=result.check_id, layer=result.layer, row=result.row, status=result.status,
                               kind=result.kind, message=result.message, waiver=result.waiver, nodeid=result.nodeid,
                               severity=result.severity, owner=result.owner,
                               remediation_url=result.remediation_url, location=result.location))
    return out


def _first_failure(entries: Sequence[Entry]) -> FirstFailure | None:
    entry = next((e for e in entries if e.status in _FAILING), None)
    if entry is None:
        return None
    return FirstFailure(check_id=entry.check_id, layer=entry.layer, message=entry.message,
                        anchor=entry.failure or "")


def _cell(spec: EnvironmentSpec, row: str, here: Sequence[CheckResult], anchors: dict[str, str],
          catalogue: dict[str, list[str]] | None, figure: str) -> Cell:
    entries = [_entry(result, anchors.get(result.nodeid)) for result in here]
    status = cell_status(here)
    return Cell(documented=documented(spec, row), status=status, reason=cell_reason(row, status, here, catalogue),
                checks=len(entries), evidence_checks=sum(1 for e in entries if e.proves), figure=figure,
                first_failure=_first_failure(entries), entries=entries)


def _layers(results: Sequence[CheckResult], envs: Sequence[str]) -> dict[str, list[str]]:
    """The layers that ran per environment: what the header says was checked where."""
    return {env: [layer for layer in LAYERS if any(r.environment == env and r.layer == layer for r in results)]
            for env in envs}


def build_matrix(results: Sequence[CheckResult], spec: Spec, environments: Sequence[str],
                 meta: dict[str, Any], catalogue: dict[str, list[str]] | None = None,
                 figures: Figuring = no_figures, display_names: Mapping[str, str] | None = None,
                 history: HistoryView | None = None, key: Key | None = None) -> Matrix:
    """The whole report model; matrix.json is its dump, the HTML and Markdown render it.

    ``catalogue`` is catalog.evidence_catalogue() of the collecting process(es): which checks exist as evidence of
    each row, so a cell can say whether its evidence was not selected or does not exist yet (None: unknown).
    ``figures`` words each cell's live or observed figure (figures.figuring() of the checks collected).
    ``display_names`` name environments in columns and failure lines (the config's; none: the long names).
    ``history`` is the store's view of tonight against the past (None: the run keeps no history, and the report
    says nothing of it); ``key`` is the identity of a finding the view is keyed by (the store's fingerprint).
    """
    envs = [env for env in spec.environments if env in environments] or list(spec.environments)
    failed = failures(results, envs)
    states = states_of(results, history, key or fingerprint)
    annotate(failed, states)
    anchors = {item.nodeid: item.anchor for item in failed}
    rows: list[Row] = []
    for row, title in ROWS.items():
        cells = {}
        for env in envs:
            here = _ordered([r for r in results if r.row == row and r.environment == env], envs)
            cells[env] = _cell(spec.env(env), row, here, anchors, catalogue, figures(row, env, here))
        rows.append(Row(id=row, anchor="row-" + row.replace("_", "-"), title=title, cells=cells))
    counts = Counter(cell.status for row in rows for cell in row.cells.values())
    shown = {env: name for env, name in (display_names or {}).items() if env in envs} or None
    return Matrix(meta=dict(meta), environments=envs, long_names={env: spec.env(env).long_name for env in envs},
                  display_names=shown,
                  layers=_layers(results, envs), summary=summarize(results),
                  statuses=[StatusCount(**item) for item in legend(dict(counts))], rows=rows, failures=failed,
                  results=_ordered(results, envs), evidence_catalogue=catalogue,
                  history=since_last_run(history, failed, states, envs))


def header_facts(model: Matrix) -> list[tuple[str, str]]:
    """What was checked where: target, spec digest, document, layers per environment, when (both headers)."""
    meta = model.meta
    layers = model.layers
    same: dict[str, list[str]] = {}  # environments that ran the same layers share one entry
    for env in model.environments:
        names = ", ".join(LAYER_LABELS.get(x, x) for x in layers.get(env, [])) or "none"
        same.setdefault(names, []).append(env)
    ran = "; ".join(f'{", ".join(envs)}: {names}' for names, envs in same.items())
    when = str(meta.get("generated_at", "")).replace("T", " ").replace("+00:00", " UTC")
    source = [("source document", str(meta["source_document"]))] if meta.get("source_document") else []
    unchecked = [(NOT_CHECKED_LABEL, str(meta[NOT_CHECKED]))] if meta.get(NOT_CHECKED) else []
    retried = [(AWS_RETRIES_LABEL, str(meta[AWS_RETRIES]))] if meta.get(AWS_RETRIES) else []
    # envmatrix merge: the report is several runs' (one per group of environments)
    merged = [("merged from", f"{len(meta['merged_from'])} runs")] if meta.get("merged_from") else []
    if meta.get("merged_from") and meta.get("shards"):  # --shard K/N runs: all N of them
        merged = [("merged from", f"{meta['shards']} shards")]
    shard = [("shard", str(meta["shard"]))] if meta.get("shard") else []
    return [("target", str(meta.get("target", ""))), *retried, ("spec", str(meta.get("spec_digest", ""))),
            ("document", str(meta.get("document", ""))), *source, ("layers", ran), *unchecked, *shard, *merged,
            ("when", when)]
