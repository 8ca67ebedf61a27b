"""matrix.html: the conformance matrix as one self-contained page (inline CSS, no scripts, no network)."""

from __future__ import annotations

from html import escape
from typing import Any

from envmatrix.environments import LONG_NAMES

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#1d2330;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin-top:1.6rem}
.meta{color:#555;font-size:.85rem;margin:.2rem 0}
.verdict{font-weight:700;padding:.4rem .7rem;border-radius:4px;display:inline-block;margin:.5rem 0}
.verdict.pass{background:#c8ecc8}.verdict.fail{background:#f6c1c1}
table.matrix{border-collapse:collapse;width:100%;table-layout:fixed}
.matrix th,.matrix td{border:1px solid #c9ced6;padding:.45rem;vertical-align:top;text-align:left;font-size:.85rem;
overflow-wrap:anywhere}
.matrix thead th{background:#2f3a4c;color:#fff}.matrix th.row{background:#eef1f5;width:11rem}
td.pass{background:#e3f6e3}td.fail{background:#fbe1e1}td.waived{background:#fff3cf}td.not-checked{background:#f1f1f1}
.documented{font-weight:600;display:block;margin-bottom:.3rem}
.badge{font-size:.7rem;text-transform:uppercase;letter-spacing:.04em;padding:0 .3rem;border-radius:3px;float:right}
.badge.pass{background:#4c9a4c;color:#fff}.badge.fail{background:#c0392b;color:#fff}
.badge.waived{background:#c99700;color:#fff}.badge.not-checked{background:#999;color:#fff}
.entry{margin:.15rem 0;font-size:.78rem;line-height:1.25}.entry .layer{color:#555;font-style:italic}
.entry.fail,.entry.error,.entry.skipped{color:#8e1b10}.entry.waived{color:#7a5b00}
.check{font-family:ui-monospace,Menlo,monospace;font-size:.74rem}
ol.failures li{margin:.35rem 0}.failures .msg{font-family:ui-monospace,Menlo,monospace;font-size:.8rem}
.legend span{display:inline-block;padding:0 .5rem;margin-right:.4rem;border:1px solid #c9ced6}
table.changes{border-collapse:collapse}
.changes td,.changes th{border:1px solid #c9ced6;padding:.25rem .5rem;font-size:.8rem}
"""
_MARK = {"pass": "✓", "fail": "✗", "error": "!", "skipped": "–", "waived": "~"}


def _values(entry: dict[str, Any]) -> str:
    shown = [f"{v['setting']} = {v['actual']}" for v in entry["values"]]
    return "; ".join(shown) if shown else entry["message"] or entry["status"]


def _entry(entry: dict[str, Any]) -> str:
    link = f' <a href="#{entry["failure"]}">{escape(entry["status"])}</a>' if entry["failure"] else ""
    return (f'<div class="entry {escape(entry["status"])}" data-check="{escape(entry["check_id"])}" '
            f'data-layer="{escape(entry["layer"])}" data-status="{escape(entry["status"])}">'
            f'{_MARK.get(entry["status"], "?")} <span class="layer">{escape(entry["layer_label"])}</span> '
            f'<span class="check">{escape(entry["check_id"])}</span> {escape(_values(entry))}{link}</div>')


def _cell(env: str, row: str, cell: dict[str, Any]) -> str:
    status = escape(cell["status"])
    entries = "".join(_entry(entry) for entry in cell["entries"])
    return (f'<td class="cell {status}" data-env="{escape(env)}" data-row="{escape(row)}" data-status="{status}">'
            f'<span class="badge {status}">{status}</span>'
            f'<span class="documented">{escape(cell["documented"]) or "&nbsp;"}</span>{entries}</td>')


def _table(model: dict[str, Any]) -> str:
    envs = model["environments"]
    head = "".join(f'<th scope="col" data-env="{escape(e)}">{escape(LONG_NAMES.get(e, e).title())}</th>'
                   for e in envs)
    body = []
    for row in model["rows"]:
        cells = "".join(_cell(env, row["id"], row["cells"][env]) for env in envs)
        body.append(f'<tr data-row="{escape(row["id"])}"><th scope="row" class="row">{escape(row["title"])}</th>'
                    f"{cells}</tr>")
    return (f'<table class="matrix" id="matrix"><thead><tr><th scope="col">Feature</th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _failures(model: dict[str, Any]) -> str:
    if not model["failures"]:
        return '<h2>Findings</h2><p id="no-findings">None: every check that ran passed.</p>'
    items = []
    for item in model["failures"]:
        waiver = f'<br><em>{escape(item["waiver"])}</em>' if item["status"] == "waived" else ""
        kind = f', {escape(item["kind"])}' if item["kind"] else ""
        items.append(f'<li id="{escape(item["anchor"])}" data-status="{escape(item["status"])}">'
                     f'<strong>{escape(item["environment"])} {escape(item["check_id"])}</strong> '
                     f'({escape(item["layer"])}, {escape(item["status"])}{kind}): '
                     f'<span class="msg">{escape(item["message"])}</span>{waiver}</li>')
    return f'<h2>Findings</h2><ol class="failures" id="failures">{"".join(items)}</ol>'


def _changes(model: dict[str, Any]) -> str:
    changes = model.get("changes")
    if not changes:
        return ""
    rows = "".join(f'<tr><td>{escape(c["environment"])}</td><td>{escape(c["change"])}</td><td>{escape(c["path"])}</td>'
                   f'<td>{escape(str(c.get("before", "")))}</td><td>{escape(str(c.get("after", "")))}</td></tr>'
                   for c in sorted(changes["items"], key=lambda c: c.get("kind") != "setting"))
    notes = "".join(f"<li>{escape(note)}</li>" for note in changes["notes"])
    table = (f'<table class="changes" id="changes"><tr><th>env</th><th>change</th><th>path</th><th>before</th>'
             f"<th>after</th></tr>{rows}</table>") if rows else "<p>No change since the previous run.</p>"
    return f'<h2>Changes since the previous run</h2><ul>{notes}</ul>{table}'


def render_html(model: dict[str, Any]) -> str:
    meta, summary, gate = model["meta"], model["summary"], model.get("gate")
    verdict = (f'<div class="verdict {"pass" if gate["passed"] else "fail"}" id="gate">{escape(gate["line"])}</div>'
               if gate else "")
    legend = "".join(f'<span class="{s}">{s}</span>' for s in ("pass", "fail", "waived", "not-checked"))
    counts = ", ".join(f"{value} {name}" for name, value in summary.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Environment conformance matrix</title><style>{_CSS}</style></head>
<body>
<h1>Environment conformance matrix</h1>
<p class="meta">{escape(meta.get("document", ""))} &middot; spec {escape(str(meta.get("spec_path", "")))}
(digest {escape(str(meta.get("spec_digest", "")))})
&middot; target {escape(str(meta.get("target", "")))} &middot; envmatrix {escape(str(meta.get("suite_version", "")))}
&middot; generated {escape(str(meta.get("generated_at", "")))}</p>
<p class="meta" id="summary">{escape(counts)}</p>
{verdict}
<p class="legend meta">{legend}</p>
{_table(model)}
{_failures(model)}
{_changes(model)}
</body></html>
"""
