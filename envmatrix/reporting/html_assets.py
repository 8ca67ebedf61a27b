"""The report page's inline style and its one small script (print expands folded evidence), both self-contained."""

from __future__ import annotations

import base64
import hashlib

from envmatrix.reporting.statuses import LOOKS

_BASE = """
*{box-sizing:border-box}
body{font:13px/1.35 system-ui,-apple-system,"Segoe UI",sans-serif;margin:.8rem 1rem;color:#1d2330;background:#fff}
h1{font-size:1.2rem;margin:0}h2{font-size:1.05rem;margin:1.2rem 0 .4rem}
.meta{color:#4a5160;font-size:.8rem;margin:.15rem 0}.meta b{color:#1d2330}
.verdict{font-weight:700;padding:.2rem .6rem;border-radius:4px;display:inline-block;margin:.2rem 0}
.verdict.pass{background:#c8ecc8}.verdict.fail{background:#f6c1c1}
.bar{display:flex;flex-wrap:wrap;gap:.2rem .9rem;align-items:center;font-size:.8rem;margin:.3rem 0}
.bar label{cursor:pointer;white-space:nowrap}.bar input{margin:0 .2rem 0 0;vertical-align:-2px}
table.matrix{border-collapse:separate;border-spacing:0;width:100%;table-layout:fixed;
min-width:calc(10.5rem + var(--envs,3) * 9rem)}
.matrix th,.matrix td{border:solid #c9ced6;border-width:0 1px 1px 0;padding:.25rem .4rem;vertical-align:top;
text-align:left;overflow-wrap:anywhere}
.matrix thead th{position:sticky;top:0;z-index:2;background:#2f3a4c;color:#fff;font-weight:600}
.matrix tbody th{position:sticky;left:0;z-index:1;background:#eef1f5;font-weight:600}
.matrix th:first-child{width:10.5rem;border-left-width:1px}.matrix thead th{border-top-width:1px}
.matrix tbody th a{color:inherit;text-decoration:none}
.sym{font-weight:700;display:inline-block;width:1em;text-align:center}
summary{cursor:pointer;list-style-position:outside;margin-left:.9rem}
.doc{font-weight:600}.fig{color:#2b3340}.n{color:#6a7180;font-size:.75rem;white-space:nowrap}
.why{display:block;font-size:.72rem;color:#555c68;font-style:italic;white-space:nowrap;overflow:hidden;
text-overflow:ellipsis}.sup{font-size:.68rem;color:#6a7180;border:1px solid #c9ced6;border-radius:3px;padding:0 .2rem}
a.first{display:block;font-size:.75rem;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;color:#8e1b10}
.ev{margin:.2rem 0 .1rem;font-size:.75rem;background:#fff;border:1px solid #d9dde3;padding:.2rem .35rem}
.ev h4{margin:.15rem 0 0;font-size:.72rem;text-transform:uppercase;letter-spacing:.04em;color:#4a5160}
.ev ul{margin:0;padding-left:1rem}.ev li{margin:.05rem 0}.ev .v{display:block;color:#3b4250}
.check{font-family:ui-monospace,Menlo,monospace;font-size:.72rem}
.matrix tr:target>th,ol.failures li:target{background:#ffe9a8}
.empty{display:none;color:#4a5160;font-style:italic}
ol.failures{padding-left:1.6rem}ol.failures li{margin:.25rem 0}
.failures .msg{font-family:ui-monospace,Menlo,monospace;font-size:.75rem}
table.changes{border-collapse:collapse}
.changes td,.changes th{border:1px solid #c9ced6;padding:.2rem .45rem;font-size:.78rem}
@media print{
body{margin:0;font-size:10px}.bar.filter,.empty{display:none!important}
.matrix tbody tr{display:table-row!important}table.matrix{min-width:0}
.matrix thead th,.matrix tbody th{position:static}
details::details-content{content-visibility:visible;display:block}
details>summary{list-style:none;margin-left:0}
tr{break-inside:avoid}a{color:inherit;text-decoration:none}
}
"""
#: Opens every folded cell for printing and folds them back afterwards (CSS alone cannot open <details>).
SCRIPT = """
addEventListener("beforeprint",()=>{for(const d of document.querySelectorAll("details:not([open])")){
d.dataset.printOpened="1";d.open=true}});
addEventListener("afterprint",()=>{for(const d of document.querySelectorAll("details[data-print-opened]")){
d.open=false;delete d.dataset.printOpened}});
"""


def _status_css() -> str:
    """Colours and the status filter, generated from the one status table (a new status needs no CSS)."""
    rules = []
    for look in LOOKS:
        rules.append(f"td.s-{look.status}{{background:{look.background}}}"
                     f".s-{look.status} .sym,.s-{look.status}>.sym,li.s-{look.status}>.sym{{color:{look.colour}}}")
        if look.filter:
            rules.append(f'body:has(#show-{look.status}:checked) #matrix tbody tr:not([data-statuses~="{look.status}"])'
                         f"{{display:none}}body:has(#show-{look.status}:checked) #empty-{look.status}{{display:block}}")
    return "\n".join(rules)


CSS = _BASE + _status_css()


def script_hash() -> str:
    """The CSP source that allows exactly this inline script and nothing else."""
    digest = hashlib.sha256(SCRIPT.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"
