"""matrix.html: the conformance matrix on one screen, evidence folded a click away (self-contained, printable)."""

from __future__ import annotations

from collections.abc import Sequence

# Every value is shown, never parsed: entities for < > & " ', controls and lone surrogates as visible escapes.
from envmatrix.escape import html_text as escape
from envmatrix.reporting.html_assets import CSS, SCRIPT, script_hash
from envmatrix.reporting.matrix import header_facts
from envmatrix.reporting.model import Cell, Entry, Failure, Matrix, Row
from envmatrix.reporting.render_history import finding_since, red_since, since_last_run
from envmatrix.reporting.statuses import look

#: A result's own status shown with the look of the cell status it counts as (errors and skips fail a cell).
_AS_CELL = {"error": "fail", "skipped": "fail"}
#: Nothing may load from anywhere; inline style, and only the one inline script whose hash is listed.
_CSP = f"default-src 'none'; style-src 'unsafe-inline'; script-src {script_hash()}"
_LAYER_ORDER = ("declared", "live", "drift", "parity", "observed")


def _sym(status: str) -> str:
    return f'<span class="sym" title="{escape(status)}">{escape(look(status).symbol)}</span>'


def _check(entry: Entry) -> str:
    name = f'<span class="check">{escape(entry.check_id)}</span>'
    return f'<a href="#{escape(entry.failure)}">{name}</a>' if entry.failure else name


def _evidence_item(entry: Entry) -> str:
    status = _AS_CELL.get(entry.status, entry.status)
    values = [f'{v.setting} = {v.actual}' + ("" if v.passed else f' (expected {v.expected})')
              for v in entry.values] or [entry.message or entry.status]
    shown = "".join(f'<span class="v">{escape(text)}</span>' for text in values)
    word = "" if entry.status == "pass" else f' {escape(entry.status)}'
    # A check listed in the row without proving its claim: its failure counts, its success proves nothing.
    support = "" if entry.proves else ' <span class="sup">supporting</span>'
    return f'<li class="s-{escape(status)}">{_sym(status)} {_check(entry)}{word}{support}{shown}</li>'


def _evidence(entries: Sequence[Entry]) -> str:
    """The cell's evidence grouped by layer (declared / live / drift / parity / observed), in that order."""
    labels = sorted({e.layer_label for e in entries},
                    key=lambda label: _LAYER_ORDER.index(label) if label in _LAYER_ORDER else 99)
    groups = [f'<h4>{escape(label)}</h4><ul>{"".join(_evidence_item(e) for e in entries if e.layer_label == label)}'
              "</ul>" for label in labels]
    return f'<div class="ev">{"".join(groups)}</div>' if groups else '<div class="ev">no check ran here</div>'


def _line(cell: Cell) -> str:
    """The cell's one line: symbol, documented value, the live or observed figure, how many checks."""
    figure = f' <span class="fig">· {escape(cell.figure)}</span>' if cell.figure else ""
    count = f' <span class="n">{escape(cell.checks)} check{"" if cell.checks == 1 else "s"}</span>'
    return f'{_sym(cell.status)} <span class="doc">{escape(cell.documented) or "—"}</span>{figure}{count}'


def _why(reason: str) -> str:
    return f'<span class="why" title="{escape(reason)}">{escape(reason)}</span>' if reason else ""


def _shared_reason(row: Row, envs: list[str]) -> str:
    """The reason every cell of the row gives, if they all give the same one (said once, beside the row's name)."""
    reasons = {row.cells[env].reason for env in envs}
    return reasons.pop() if len(reasons) == 1 else ""


def _cell(env: str, row: str, cell: Cell, shared: str = "", model: Matrix | None = None) -> str:
    status = escape(cell.status)
    first = cell.first_failure
    line = str(first.message).removeprefix(f"{env} ") if first else ""  # the column already names the env
    failing = (f'<a class="first" href="#{escape(first.anchor)}" title="{escape(first.message)}">'
               f"{escape(line)}</a>") if first else ""
    reason = cell.reason
    why = _why(reason) if reason != shared else ""
    return (f'<td class="cell s-{status}" data-env="{escape(env)}" data-row="{escape(row)}" data-status="{status}" '
            f'data-checks="{escape(cell.checks)}" data-figure="{escape(cell.figure)}">'
            f"<details><summary>{_line(cell)}</summary>{_since(model, cell)}{_evidence(cell.entries)}</details>"
            f"{failing}{why}</td>")


def _since(model: Matrix | None, cell: Cell) -> str:
    """With history: since when the cell has been red (its oldest failing finding's first_seen)."""
    if model is None or model.history is None or cell.status != "fail":
        return ""
    return red_since(model, [e.failure for e in cell.entries if e.failure and e.status in ("fail", "error",
                                                                                          "skipped")])


def _table(model: Matrix) -> str:
    envs = model.environments
    head = "".join(f'<th scope="col" data-env="{escape(e)}">{escape(model.column(e))}</th>' for e in envs)
    body = []
    for row in model.rows:
        statuses = " ".join(sorted({row.cells[env].status for env in envs}))
        shared = _shared_reason(row, envs)
        cells = "".join(_cell(env, row.id, row.cells[env], shared, model) for env in envs)
        body.append(f'<tr id="{escape(row.anchor)}" data-row="{escape(row.id)}" '
                    f'data-statuses="{escape(statuses)}">'
                    f'<th scope="row"><a href="#{escape(row.anchor)}">{escape(row.title)}</a>{_why(shared)}'
                    f'</th>{cells}</tr>')
    # --envs: the column count, so many environments widen the table (scrolling) instead of squeezing each column
    return (f'<table class="matrix" id="matrix" style="--envs:{len(envs)}">'
            f'<thead><tr><th scope="col">Feature</th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _filter(model: Matrix) -> str:
    """Status filter (CSS only: radio buttons and :has) built from matrix.json's statuses; doubles as legend."""
    choices = ['<label><input type="radio" name="show" id="show-all" checked>all</label>']
    legend = []
    for item in model.statuses:
        if item.filter:
            choices.append(f'<label class="s-{escape(item.status)}"><input type="radio" name="show" '
                           f'id="show-{escape(item.status)}">{_sym(item.status)}{escape(item.filter)} '
                           f'({item.cells})</label>')
        else:
            legend.append(f'<span class="s-{escape(item.status)}">{_sym(item.status)}{escape(item.legend)} '
                          f'({item.cells})</span>')
    return f'<form class="bar filter" id="filter"><b>Show</b>{"".join(choices)}{"".join(legend)}</form>'


def _empty(model: Matrix) -> str:
    """What a filter shows when no cell has its status (e.g. no cell is backed only by declared files yet)."""
    return "".join(f'<p class="empty" id="empty-{escape(s.status)}">No cell is {escape(s.filter)}.</p>'
                   for s in model.statuses if s.filter and not s.cells)


def _own(item: Failure) -> str:
    """The message without its leading "<env> <CHECK-ID> ", which the entry already shows in bold."""
    return str(item.message).removeprefix(f'{item.environment} {item.check_id} ')


def _severity(item: Failure) -> str:
    """", severity high" (and "not gating" when --fail-on let it pass the gate)."""
    text = f', severity {escape(item.severity)}' if item.severity else ""
    return text + (' <span class="not-gating">not gating</span>' if item.gating is False else "")


def _ownership(item: Failure) -> str:
    """checks.yaml's owner and remediation page, when the team set them."""
    owner = f' — owner <span class="owner">{escape(item.owner)}</span>' if item.owner else ""
    url = item.remediation_url
    return owner + (f' <a class="remediation" href="{escape(url)}">remediation</a>' if url else "")


def _failures(model: Matrix) -> str:
    if not model.failures:
        return '<h2>Findings</h2><p id="no-findings">None: every check that ran passed.</p>'
    rows = {row.id: row for row in model.rows}
    items = []
    for item in model.failures:
        row = rows.get(item.row)
        where = f' <a href="#{escape(row.anchor)}">{escape(row.title)}</a>' if row else ""
        waiver = f' <em>{escape(item.waiver)}</em>' if item.status == "waived" else ""
        kind = f', {escape(item.kind)}' if item.kind else ""
        items.append(f'<li id="{escape(item.anchor)}" data-status="{escape(item.status)}">'
                     f'<strong>{escape(model.label(item.environment))} {escape(item.check_id)}</strong> '
                     f'({escape(item.layer)}, {escape(item.status)}{kind}{_severity(item)}){where}: '
                     f'<span class="msg">{escape(_own(item))}</span>{waiver}{_ownership(item)}'
                     f'{finding_since(item)}</li>')
    return f'<h2>Findings</h2><ol class="failures" id="failures">{"".join(items)}</ol>'


def _changes(model: Matrix) -> str:
    changes = model.changes
    if not changes:
        return ""
    rows = "".join(f'<tr><td>{escape(c["environment"])}</td><td>{escape(c["change"])}</td><td>{escape(c["path"])}</td>'
                   f'<td>{escape(str(c.get("before", "")))}</td><td>{escape(str(c.get("after", "")))}</td></tr>'
                   for c in sorted(changes["items"], key=lambda c: c.get("kind") != "setting"))
    notes = "".join(f"<li>{escape(note)}</li>" for note in changes["notes"])
    table = (f'<table class="changes" id="changes"><tr><th>env</th><th>change</th><th>path</th><th>before</th>'
             f"<th>after</th></tr>{rows}</table>") if rows else "<p>No change since the previous run.</p>"
    return f'<h2>Changes since the previous run</h2><ul>{notes}</ul>{table}'


def _header(model: Matrix) -> str:
    meta, gate = model.meta, model.gate
    facts = " · ".join(f'{name} <b data-fact="{name}">{escape(value)}</b>' for name, value in header_facts(model))
    counts = ", ".join(f"{value} {name}" for name, value in model.summary.items() if value or name == "checks")
    verdict = (f'<div class="verdict {"pass" if gate["passed"] else "fail"}" id="gate">{escape(gate["line"])}</div>'
               if gate else "")
    where = f'spec {meta.get("spec_path", "")}; envmatrix {meta.get("suite_version", "")}'
    return (f'<h1>Environment conformance matrix</h1><p class="meta" id="header" title="{escape(where)}">'
            f'{facts}</p><p class="meta" id="summary">{escape(counts)}</p>{verdict}')


def render_html(model: Matrix) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Environment conformance matrix</title><style>{CSS}</style></head>
<body>
{_header(model)}
{_filter(model)}
{_table(model)}
{_empty(model)}
{_failures(model)}{since_last_run(model)}
{_changes(model)}
<script>{SCRIPT}</script>
</body></html>
"""
