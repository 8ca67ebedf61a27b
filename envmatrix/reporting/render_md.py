"""matrix.md: the conformance matrix for a CI job summary (GitHub-flavoured Markdown), evidence in <details>."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from envmatrix.escape import code, html_text, markdown
from envmatrix.reporting.matrix import header_facts
from envmatrix.reporting.model import Cell, Entry, Failure, HistoryItem, Matrix
from envmatrix.reporting.since import days
from envmatrix.reporting.statuses import look

_AS_CELL = {"error": "fail", "skipped": "fail"}
_LAYER_ORDER = ("declared", "live", "drift", "parity", "observed")


# Every value (a cell, a finding, an AWS name, a message) goes through escape.markdown or escape.code; only our
# own markup (headings, table syntax, anchors, links to our own findings) is written as markup.
_text = markdown
_code = code  # outside the table only (a pipe in a code span inside a cell would end the cell)


def _anchor(value: str) -> str:
    """An anchor of ours (f-3, row-backups) as a link target: nothing but letters, digits and - _ survive."""
    return "".join(char for char in str(value) if char.isascii() and (char.isalnum() or char in "-_"))


def _link(url: str) -> str:
    """checks.yaml's remediation URL as a link destination: whatever could end it is percent-encoded."""
    return quote(str(url), safe="/:?#[]@!$&'*+,;=%-._~")


def _check(entry: Entry) -> str:
    name = _text(entry.check_id)
    return f"[{name}](#{_anchor(entry.failure)})" if entry.failure else name


def _cell(env: str, cell: Cell) -> str:
    """One line: icon, documented value, figure, number of checks, and the first failing line's link."""
    parts = [f"{look(cell.status).icon} **{_text(cell.documented) or '—'}**"]
    if cell.figure:
        parts.append(_text(cell.figure))
    parts.append(f"{cell.checks} check{'' if cell.checks == 1 else 's'}")
    first = cell.first_failure
    if first:
        line = first.message.removeprefix(f"{env} {first.check_id} ")  # the column names the env
        parts.append(f"[{_text(first.check_id)}](#{_anchor(first.anchor)}): {_text(line)}")
    if cell.reason:
        parts.append(f"_{_text(cell.reason)}_")
    return " · ".join(parts)


def _table(model: Matrix) -> list[str]:
    envs = model.environments
    lines = ["| Feature | " + " | ".join(_text(model.column(e)) for e in envs) + " |",
             "| --- |" + " --- |" * len(envs)]
    for row in model.rows:
        lines.append(f"| <a id=\"{_anchor(row.anchor)}\"></a>**{_text(row.title)}** | "
                     + " | ".join(_cell(e, row.cells[e]) for e in envs) + " |")
    return lines


def _item(entry: Entry) -> str:
    values = [f"{v.setting} = {v.actual}" + ("" if v.passed else f" (expected {v.expected})")
              for v in entry.values] or [entry.message or entry.status]
    word = "" if entry.status == "pass" else f" {entry.status}"
    word += "" if entry.proves else " (supporting)"  # listed in the row, not evidence of its claim
    return f"{look(_AS_CELL.get(entry.status, entry.status)).icon} {_check(entry)}{word} " + \
        "; ".join(_code(value) for value in values)


def _layers(entries: Sequence[Entry]) -> list[str]:
    labels = sorted({e.layer_label for e in entries},
                    key=lambda label: _LAYER_ORDER.index(label) if label in _LAYER_ORDER else 99)
    return [f"  - {_text(label)}: " + " · ".join(_item(e) for e in entries if e.layer_label == label)
            for label in labels]


def _evidence(model: Matrix) -> list[str]:
    """Each row's evidence folded: per environment, grouped by layer, check ids linking to their finding."""
    lines = ["", "## Evidence", ""]
    for row in model.rows:
        cells = [(env, row.cells[env]) for env in model.environments]
        icons = " ".join(look(cell.status).icon for _, cell in cells)
        # An HTML block: Markdown escapes mean nothing inside it, entities do.
        lines += [f"<details><summary>{html_text(row.title)} {icons}</summary>", ""]
        for env, cell in cells:
            name = _text(model.column(env))
            lines.append(f"- **{name}**" + ("" if cell.entries else ": no check ran"))
            lines += _layers(cell.entries)
        lines += ["", "</details>"]
    return lines


def _severity(item: Failure) -> str:
    text = f" ({_text(item.severity)}" if item.severity else ""
    text += ", not gating" if text and item.gating is False else ""
    return text + ")" if text else ""


def _ownership(item: Failure) -> str:
    owner = f" — owner {_text(item.owner)}" if item.owner else ""
    url = item.remediation_url
    return owner + (f" — [remediation](<{_link(url)}>)" if url else "")


def _findings(model: Matrix) -> list[str]:
    if not model.failures:
        return ["No findings: every check that ran passed."]
    lines: list[str] = []
    for item in model.failures:
        waiver = f" — {_text(item.waiver)}" if item.status == "waived" else ""
        lines.append(f"{len(lines) + 1}. <a id=\"{_anchor(item.anchor)}\"></a>**{_text(item.status)}**"
                     f"{_severity(item)} {_code(model.line(item.message, item.environment))}{waiver}{_ownership(item)}"
                     f"{_since(item)}")
    return lines


def _since(item: Failure) -> str:
    """With history: the finding's state, first seen and days open."""
    if not item.state:
        return ""
    return f" — {_text(item.state)}, first seen {_text(item.first_seen or '')}, open {days(item.days_open or 0.0)}"


def _history_item(model: Matrix, item: HistoryItem) -> str:
    name = f"**{_text(model.label(item.environment))} {_text(item.check_id)}**"
    name = f"[{name}](#{_anchor(item.anchor)})" if item.anchor else name
    message = item.message.removeprefix(f"{item.environment} {item.check_id} ")
    held = f"fixed after {days(item.days_open)}" if item.state == "fixed" else f"open {days(item.days_open)}"
    return f"- {name} {_code(message)} — first seen {_text(item.first_seen)}, {held}"


def _history(model: Matrix) -> list[str]:
    """"Since last run": new, regressed, still open, fixed; the reason when the store could not answer."""
    since = model.history
    if since is None:
        return []
    lines = ["", "## Since last run", ""]
    if since.error:
        return lines + [f"no history: {_text(since.error)}"]
    lines.append(f"Previous run: {_text(since.previous_run)}." if since.previous_run
                 else "No previous run of these environments: every finding is new.")
    groups = [("New tonight", since.of("new")), ("Regressed (fixed once, failing again)", since.of("regressed")),
              ("Still open", since.of("unchanged")), ("Fixed since the previous run", since.fixed)]
    for title, items in groups:
        if items:
            lines += ["", f"### {title} ({len(items)})", "", *(_history_item(model, item) for item in items)]
    return lines


def _changes(model: Matrix) -> list[str]:
    changes = model.changes
    if not changes:
        return []
    lines = ["", "## Changes since the previous run", ""] + [f"- {_text(note)}" for note in changes["notes"]]
    settings = [c for c in changes["items"] if c.get("kind", "setting") == "setting"]
    if settings:
        lines += ["", "| env | change | path | before | after |", "| --- | --- | --- | --- | --- |"]
        lines += ["| " + " | ".join(_text(c.get(key, "")) for key in ("environment", "change", "path", "before",
                                                                       "after")) + " |" for c in settings]
    if len(settings) < len(changes["items"]):
        lines += ["", f"{len(changes['items']) - len(settings)} identifier change(s) of re-created resources: "
                  "see changes.json."]
    return lines


def render_markdown(model: Matrix) -> str:
    summary, gate = model.summary, model.gate
    head = ["# Environment conformance matrix", ""]
    if gate:
        head += [f"**{gate['line']}**", ""]
    head += [" · ".join(f"{name} **{_text(value)}**" for name, value in header_facts(model)), "",
             "Checks: " + ", ".join(f"{value} {name}" for name, value in summary.items()) + ".", ""]
    legend = ["", "Legend: " + ", ".join(f"{s.icon} {s.legend} ({s.cells})" for s in model.statuses), ""]
    return "\n".join(head + _table(model) + legend + ["## Findings", ""] + _findings(model) + _history(model)
                     + _changes(model) + _evidence(model)) + "\n"
