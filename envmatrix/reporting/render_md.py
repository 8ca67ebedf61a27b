"""matrix.md: the conformance matrix for a CI job summary (GitHub-flavoured Markdown)."""

from __future__ import annotations

from typing import Any

from envmatrix.environments import LONG_NAMES

_ICON = {"pass": "✅", "fail": "❌", "waived": "⚠️", "not-checked": "▫️"}


def _text(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _cell(cell: dict[str, Any]) -> str:
    links = [f"[{e['check_id']}](#{e['failure']})" for e in cell["entries"] if e["failure"]]
    suffix = f" ({', '.join(links)})" if links else ""
    return f"{_ICON[cell['status']]} {_text(cell['documented'])}{suffix}"


def _table(model: dict[str, Any]) -> list[str]:
    envs = model["environments"]
    lines = ["| Feature | " + " | ".join(LONG_NAMES.get(e, e).title() for e in envs) + " |",
             "| --- |" + " --- |" * len(envs)]
    for row in model["rows"]:
        lines.append(f"| **{_text(row['title'])}** | " + " | ".join(_cell(row["cells"][e]) for e in envs) + " |")
    return lines


def _findings(model: dict[str, Any]) -> list[str]:
    if not model["failures"]:
        return ["No findings: every check that ran passed."]
    lines: list[str] = []
    for item in model["failures"]:
        waiver = f" — {_text(item['waiver'])}" if item["status"] == "waived" else ""
        lines.append(f"{len(lines) + 1}. <a id=\"{item['anchor']}\"></a>**{item['status']}** "
                     f"`{_text(item['message'])}`{waiver}")
    return lines


def _changes(model: dict[str, Any]) -> list[str]:
    changes = model.get("changes")
    if not changes:
        return []
    lines = ["", "## Changes since the previous run", ""] + [f"- {_text(note)}" for note in changes["notes"]]
    settings = [c for c in changes["items"] if c.get("kind", "setting") == "setting"]
    if settings:
        lines += ["", "| env | change | path | before | after |", "| --- | --- | --- | --- | --- |"]
        lines += [f"| {c['environment']} | {c['change']} | `{_text(c['path'])}` | {_text(c.get('before', ''))} | "
                  f"{_text(c.get('after', ''))} |" for c in settings]
    if len(settings) < len(changes["items"]):
        lines += ["", f"{len(changes['items']) - len(settings)} identifier change(s) of re-created resources: "
                  "see changes.json."]
    return lines


def render_markdown(model: dict[str, Any]) -> str:
    meta, summary, gate = model["meta"], model["summary"], model.get("gate")
    head = ["# Environment conformance matrix", ""]
    if gate:
        head += [f"**{gate['line']}**", ""]
    head += [f"Spec `{meta.get('spec_path', '')}` (digest `{meta.get('spec_digest', '')}`), target "
             f"{meta.get('target', '')}, envmatrix {meta.get('suite_version', '')}, generated "
             f"{meta.get('generated_at', '')}.", "",
             "Checks: " + ", ".join(f"{value} {name}" for name, value in summary.items()) + ".", ""]
    legend = ["", "Legend: " + ", ".join(f"{icon} {name}" for name, icon in _ICON.items()), ""]
    return "\n".join(head + _table(model) + legend + ["## Findings", ""] + _findings(model) + _changes(model)) + "\n"
