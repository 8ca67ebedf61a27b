"""matrix.html's history: the "Since last run" section and each environment's trend as a small inline SVG chart.

The chart is self-contained (no script, no network) and readable in print and without colour: failing counts are
hatched bars, waived ones dotted, passing ones a dashed line on its own scale (dozens pass, a few fail: one scale
would hide the failures), every bar has a text tooltip, the gate's verdict is a letter under its bar, and each
chart has a <title> and <desc> saying the same in words.
"""

from __future__ import annotations

from collections.abc import Sequence

from envmatrix.escape import html_text as escape
from envmatrix.reporting.model import Failure, HistoryItem, Matrix, SinceLastRun, TrendPoint
from envmatrix.reporting.since import days

_BAR, _GAP, _HEIGHT, _TOP, _FOOT, _LEFT = 10, 3, 60, 10, 14, 18
#: Each count's fill: a pattern, so the parts of a bar differ in print and to a reader who sees no colour.
_FILLS = (("failed", "hatch"), ("waived", "dots"))
_GATE = {"pass": "P", "fail": "F"}
_HEADINGS = (("new", "New tonight"), ("regressed", "Regressed (fixed once, failing again)"),
             ("unchanged", "Still open"))


def _defs(n: int) -> str:
    """The chart's patterns, named by chart number (ids are unique in the page)."""
    return (f'<defs><pattern id="t{n}-hatch" width="4" height="4" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="4" height="4" fill="#fde2e1"/>'
            f'<line x1="0" y1="0" x2="0" y2="4" stroke="#b42318" stroke-width="2"/></pattern>'
            f'<pattern id="t{n}-dots" width="4" height="4" patternUnits="userSpaceOnUse">'
            f'<rect width="4" height="4" fill="#fef0c7"/><circle cx="2" cy="2" r="1" fill="#93370d"/></pattern>'
            f'</defs>')


def _x(index: int) -> int:
    return _LEFT + index * (_BAR + _GAP)


def _bar(n: int, index: int, point: TrendPoint, scale: float) -> str:
    """Failed (hatched) then waived (dotted) stacked from the baseline; the gate's letter under the bar."""
    x, y, parts = _x(index), float(_TOP + _HEIGHT), []
    for name, kind in _FILLS:
        count: int = getattr(point, name)
        height = count * scale
        if count:
            y -= height
            parts.append(f'<rect class="{name}" x="{x}" y="{y:.1f}" width="{_BAR}" height="{height:.1f}" '
                         f'fill="url(#t{n}-{kind})" stroke="#555" stroke-width="0.5"/>')
    gate = _GATE.get(point.gate or "")
    mark = (f'<text class="gate" x="{x + _BAR / 2}" y="{_TOP + _HEIGHT + 11}" text-anchor="middle" '
            f'font-size="9" font-weight="{"bold" if gate == "F" else "normal"}">{gate}</text>') if gate else ""
    verdict = f", gate {escape(point.gate)}" if point.gate else ""
    tip = (f"{escape(point.started)}: {point.passed} passed, {point.failed} failed, {point.waived} waived"
           f"{verdict}")
    return f'<g data-started="{escape(point.started)}"><title>{tip}</title>{"".join(parts)}{mark}</g>'


def _passing(points: Sequence[TrendPoint]) -> str:
    """Passing checks as a line over the bars, on its own scale (its top is the most that ever passed)."""
    most = max(p.passed for p in points) or 1
    dots = " ".join(f"{_x(i) + _BAR / 2},{_TOP + _HEIGHT - p.passed * _HEIGHT / most:.1f}"
                    for i, p in enumerate(points))
    return (f'<polyline class="passed" points="{dots}" fill="none" stroke="#05603a" stroke-width="1.5" '
            f'stroke-dasharray="4 2"/>')


def _axis(most: int) -> str:
    return (f'<text x="{_LEFT - 3}" y="{_TOP + 4}" text-anchor="end" font-size="9">{most}</text>'
            f'<text x="{_LEFT - 3}" y="{_TOP + _HEIGHT}" text-anchor="end" font-size="9">0</text>'
            f'<line x1="{_LEFT - 1}" y1="{_TOP + _HEIGHT}" x2="{_LEFT - 1}" y2="{_TOP}" stroke="#555" '
            f'stroke-width="0.5"/>')


def _describe(name: str, points: Sequence[TrendPoint]) -> str:
    last, first = points[-1], points[0]
    gates = sum(1 for p in points if p.gate == "fail")
    failing = f"; the gate failed {gates} time{'' if gates == 1 else 's'}" if gates else ""
    return (f"{name}: {len(points)} runs from {first.started} to {last.started}. Tonight {last.passed} passed, "
            f"{last.failed} failed, {last.waived} waived; failing checks ranged from "
            f"{min(p.failed for p in points)} to {max(p.failed for p in points)}{failing}.")


def chart(n: int, name: str, points: Sequence[TrendPoint]) -> str:
    """One environment's last runs as stacked bars (passed solid, waived dotted, failed hatched; gate P/F)."""
    tallest = max((p.failed + p.waived for p in points), default=0) or 1
    width = _x(max(len(points), 1))
    bars = "".join(_bar(n, i, p, _HEIGHT / tallest) for i, p in enumerate(points)) + _passing(points)
    return (f'<figure class="trend"><svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
            f'height="{_TOP + _HEIGHT + _FOOT}" viewBox="0 0 {width} {_TOP + _HEIGHT + _FOOT}" '
            f'aria-labelledby="t{n}-title t{n}-desc"><title id="t{n}-title">{escape(name)}: trend of the last '
            f'{len(points)} runs</title><desc id="t{n}-desc">{escape(_describe(name, points))}</desc>'
            f'{_defs(n)}{_axis(tallest)}{bars}</svg><figcaption>{escape(name)}</figcaption></figure>')


def _trend(model: Matrix, since: SinceLastRun) -> str:
    charts = [chart(n, model.column(env), since.trend[env])
              for n, env in enumerate(e for e in model.environments if since.trend.get(e))]
    if not charts:
        return ""
    legend = ('<p class="meta trend-legend">Oldest run first, tonight last: hatched bars = failed checks, dotted '
              '= waived (scale on the left); the dashed line = passed checks (its own scale: its top is the most '
              'that passed); a letter under a bar is the gate\'s verdict (P pass, F fail).</p>')
    return (f'<h3>Trend</h3><div class="trends" id="trend" style="display:flex;flex-wrap:wrap;gap:0 2em">'
            f'{"".join(charts)}</div>{legend}')


def _entry(model: Matrix, item: HistoryItem) -> str:
    name = f'<strong>{escape(model.label(item.environment))} {escape(item.check_id)}</strong>'
    if item.anchor:
        name = f'<a href="#{escape(item.anchor)}">{name}</a>'
    message = str(item.message).removeprefix(f"{item.environment} {item.check_id} ")
    held = "fixed after" if item.state == "fixed" else "open"
    since = (f'first seen <time datetime="{escape(item.first_seen)}">{escape(item.first_seen)}</time>, '
             f'{held} {escape(days(item.days_open))}')
    return (f'<li data-state="{escape(item.state)}">{name}: <span class="msg">{escape(message)}</span> '
            f'<span class="since">({since})</span></li>')


def _group(model: Matrix, title: str, state: str, items: Sequence[HistoryItem]) -> str:
    if not items:
        return ""
    return (f'<h3>{escape(title)} ({len(items)})</h3><ul class="history" data-state="{escape(state)}">'
            f'{"".join(_entry(model, item) for item in items)}</ul>')


def since_last_run(model: Matrix) -> str:
    """The section; "no history: <reason>" when the store could not answer; nothing when the run keeps none."""
    since = model.history
    if since is None:
        return ""
    if since.error:
        return f'<h2>Since last run</h2><p id="history">no history: {escape(since.error)}</p>'
    previous = (f'Previous run: <time datetime="{escape(since.previous_run)}">{escape(since.previous_run)}</time>.'
                if since.previous_run else "No previous run of these environments: every finding is new.")
    groups = [_group(model, title, state, since.of(state)) for state, title in _HEADINGS]
    fixed = _group(model, "Fixed since the previous run", "fixed", since.fixed)
    quiet = "" if any(groups) or fixed else "<p>No finding, open or fixed.</p>"
    return (f'<h2>Since last run</h2><div id="history"><p class="meta">{previous}</p>{"".join(groups)}{fixed}'
            f'{quiet}{_trend(model, since)}</div>')


def red_since(model: Matrix, anchors: Sequence[str]) -> str:
    """A failing cell's "red since": the oldest first_seen among its findings (empty without history)."""
    by_anchor = {item.anchor: item for item in model.failures}
    seen = [by_anchor[a] for a in anchors if a in by_anchor and by_anchor[a].first_seen]
    if not seen:
        return ""
    oldest = min(seen, key=lambda item: str(item.first_seen))
    return (f'<p class="red-since">red since <time datetime="{escape(oldest.first_seen)}">'
            f'{escape(oldest.first_seen)}</time> ({escape(days(oldest.days_open or 0.0))})</p>')


def finding_since(item: Failure) -> str:
    """A finding's place in time in the findings list: " — new, first seen …, open …" (empty without history)."""
    if not item.state:
        return ""
    return (f' <span class="since" data-state="{escape(item.state)}">— {escape(item.state)}, first seen '
            f'<time datetime="{escape(item.first_seen)}">{escape(item.first_seen)}</time>, open '
            f'{escape(days(item.days_open or 0.0))}</span>')
