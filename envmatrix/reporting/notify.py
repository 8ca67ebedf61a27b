"""Tell the team after a drift run: a short, redacted summary posted to a Slack-compatible incoming webhook."""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import certifi
import httpx
from pydantic import BaseModel

from envmatrix.redact import clip, redact_text, register_secret
from envmatrix.reporting.model import HistoryItem, SinceLastRun
from envmatrix.reporting.results import CheckResult, summarize
from envmatrix.reporting.since import days
from envmatrix.tls import plain_http_to_remote

TIMEOUT = httpx.Timeout(10.0)
PREVIOUS_RESULTS_VARIABLE = "ENVMATRIX_PREVIOUS_RESULTS"
MAX_LINES = 10  # per section: a chat message, not a report; the report link has the rest
MAX_MESSAGE = 200
FAILING = ("fail", "error")
#: the check whose failure lines each name a manual change (who, what, when, from where): listed whole
MANUAL_CHANGES = "CHANGE-MANUAL"
MAX_CHANGE_LINE = 400


@dataclass(frozen=True)
class Request:
    """What the run asked for: the variable holding the webhook URL, and whether to post without news."""

    variable: str
    always: bool = False
    previous_results: Path | None = None


class PreviousResult(BaseModel):
    """What notify needs of one result of a previous run's matrix.json (a CheckResult there; an older file may
    hold fewer fields)."""

    environment: str
    check_id: str
    status: str
    message: str = ""


class _PreviousRun(BaseModel):
    results: list[PreviousResult]


def failing(results: Iterable[CheckResult | PreviousResult]) -> dict[tuple[str, str], str]:
    """(environment, check id) -> message of every failed or errored check."""
    return {(r.environment, r.check_id): r.message for r in results if r.status in FAILING}


def previous_failures(path: Path | None) -> tuple[set[tuple[str, str]] | None, str]:
    """The previous run's failures from its matrix.json, or None and why they are unknown."""
    if path is None:
        return None, "no previous results given"
    try:
        previous = _PreviousRun.model_validate_json(path.read_bytes())
        return set(failing(previous.results)), ""
    except (OSError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        return None, f"previous results {path} unreadable ({type(exc).__name__})"


def _short(text: str) -> str:
    return clip(text, MAX_MESSAGE, fold=True)


def _bullets(lines: Sequence[str]) -> list[str]:
    shown = [f"• {line}" for line in lines[:MAX_LINES]]
    return shown + ([f"… {len(lines) - MAX_LINES} more in the report"] if len(lines) > MAX_LINES else [])


def report_location(reports: Path, environ: Mapping[str, str]) -> str:
    """The CI run page when running in GitHub Actions (the reports are its artifacts), else the local file."""
    server, repo, run = (environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    if server and repo and run:
        return f"{server}/{repo}/actions/runs/{run} (artifact drift-reports-{run})"
    return str(reports / "matrix.html")


def compose(results: Sequence[CheckResult], changes: Mapping[str, Any] | None, environments: Sequence[str],
            previous: set[tuple[str, str]] | None, location: str, note: str = "") -> str:
    """The message: verdict, failures new since the previous run, changed settings, where the report is."""
    counts = summarize(results)
    now = failing(results)
    verdict = "FAIL" if now else "PASS"
    lines = [f"*envmatrix drift: {verdict}* — {counts['checks']} checks, {counts['fail']} failed, "
             f"{counts['error']} could not run, {counts['waived']} waived ({', '.join(environments)})"]
    new = sorted(key for key in now if previous is None or key not in previous)
    title = "New failures since the previous run" if previous is not None else f"Failures ({note})"
    if new:
        lines += [f"{title} ({len(new)}):", *_bullets([f"{env} {check}: {_short(now[(env, check)])}"
                                                       for env, check in new])]
    if len(now) > len(new):
        lines.append(f"Still failing since the previous run: {len(now) - len(new)}")
    if previous is not None:
        fixed = len(previous - set(now))
        lines += [f"Fixed since the previous run: {fixed}"] if fixed else []
    manual = manual_changes(results)
    if manual:
        lines += [f"Manual changes (who, when; CloudTrail) ({len(manual)}):", *_bullets(manual)]
    settings = [i for i in (changes or {}).get("items", []) if i.get("kind") == "setting"]
    if settings:
        lines += [f"Changed settings since the previous run ({len(settings)}):", *_bullets(
            [_short(f"{i['environment']} {i['change']} {i['path']}: {i['before'] or '-'} -> {i['after'] or '-'}")
             for i in settings])]
    others = int((changes or {}).get("count", 0)) - len(settings)
    lines += [f"Re-created resources (changed identifiers): {others}"] if others > 0 else []
    lines.append(f"Report: {location}")
    return slack_escape(redact_text("\n".join(lines)))


def _dated(item: HistoryItem) -> str:
    """One new or regressed finding with the date it was first seen."""
    own = redact_text(item.message.removeprefix(f"{item.environment} {item.check_id} "))  # whole, then shortened
    return f"{item.environment} {item.check_id}: {_short(own)} (first seen {item.first_seen[:10]}, open " \
        f"{days(item.days_open)})"


def news(history: SinceLastRun) -> list[HistoryItem]:
    """What a run with history notifies about: findings that failed tonight and are new or came back."""
    return [item for item in history.findings if item.state in ("new", "regressed") and item.status in FAILING]


def compose_history(results: Sequence[CheckResult], changes: Mapping[str, Any] | None,
                    environments: Sequence[str], history: SinceLastRun, location: str) -> str:
    """The message of a run with history: new and regressed findings with their first-seen dates, how many are
    still open (the oldest since when), the fixed ones as good news, changed settings, where the report is."""
    counts = summarize(results)
    verdict = "FAIL" if failing(results) else "PASS"
    lines = [f"*envmatrix drift: {verdict}* — {counts['checks']} checks, {counts['fail']} failed, "
             f"{counts['error']} could not run, {counts['waived']} waived ({', '.join(environments)})"]
    if history.previous_run:
        lines.append(f"Since the previous run ({history.previous_run}):")
    for state, title in (("new", "New findings"), ("regressed", "Regressed (fixed once, failing again)")):
        items = [item for item in news(history) if item.state == state]
        lines += [f"{title} ({len(items)}):", *_bullets([_dated(item) for item in items])] if items else []
    still = [item for item in history.of("unchanged") if item.status in FAILING]
    if still:
        oldest = min(still, key=lambda item: item.first_seen)
        lines.append(f"Still open: {len(still)} (the oldest since {oldest.first_seen[:10]}: "
                     f"{oldest.environment} {oldest.check_id})")
    if history.fixed:
        lines += [f"Good news — fixed since the previous run ({len(history.fixed)}):",
                  *_bullets([f"{item.environment} {item.check_id} (open since {item.first_seen[:10]})"
                             for item in history.fixed])]
    manual = manual_changes(results)
    if manual:
        lines += [f"Manual changes (who, when; CloudTrail) ({len(manual)}):", *_bullets(manual)]
    settings = [i for i in (changes or {}).get("items", []) if i.get("kind") == "setting"]
    if settings:
        lines.append(f"Changed settings since the previous run: {len(settings)} (in the report)")
    lines.append(f"Report: {location}")
    return slack_escape(redact_text("\n".join(lines)))


def manual_changes(results: Sequence[CheckResult]) -> list[str]:
    """Each manual change the run found, one line each as the check said it: who changed what, when, from where
    (drift tells a value moved; this tells who moved it, also when it was moved back before the run)."""
    return [clip(evidence.message, MAX_CHANGE_LINE) for result in results
            if result.check_id == MANUAL_CHANGES and result.status == "fail"
            for evidence in result.evidence if not evidence.passed and evidence.setting == "ManualChanges"]


def slack_escape(text: str) -> str:
    """Slack reads <...> as links and mentions: escape the three control characters as its docs ask."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def newsworthy(results: Sequence[CheckResult], changes: Mapping[str, Any] | None) -> bool:
    return any(r.status in FAILING for r in results) or bool((changes or {}).get("count"))


def _trust(environ: Mapping[str, str]) -> ssl.SSLContext:
    """The smoke layer's CA settings (a corporate proxy's CA, the tests' loopback CA), else certifi."""
    for variable in ("ENVMATRIX_CA_BUNDLE", "SSL_CERT_FILE"):
        if environ.get(variable):
            return ssl.create_default_context(cafile=environ[variable])
    if environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=environ["SSL_CERT_DIR"])
    return ssl.create_default_context(cafile=certifi.where())


def webhook_url(variable: str, environ: Mapping[str, str]) -> str:
    """The URL held by ``variable``, registered as a secret; ValueError (never naming the URL) when unusable."""
    url = environ.get(variable, "").strip()
    if not url:
        raise ValueError(f"${variable} is not set")
    register_secret(url, urlsplit(url).path if len(urlsplit(url).path) > 1 else None)
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or plain_http_to_remote(url):
        raise ValueError(f"${variable} does not hold an https URL")  # http only to loopback (tests, sandbox)
    return url


def post(url: str, text: str, environ: Mapping[str, str]) -> str:
    """POST {"text": ...}; "" when accepted, else one line saying why (the URL never appears in it)."""
    try:
        with httpx.Client(verify=_trust(environ), timeout=TIMEOUT, trust_env=False, follow_redirects=False) as c:
            response = c.post(url, json={"text": text})
    except httpx.HTTPError as exc:
        return redact_text(f"{type(exc).__name__}: {exc}")
    except (OSError, ssl.SSLError) as exc:  # an unreadable CA bundle
        return redact_text(f"{type(exc).__name__}: {exc}")
    if response.is_success:
        return ""
    return f"the webhook answered HTTP {response.status_code}"


def send(request: Request, results: Sequence[CheckResult], changes: Mapping[str, Any] | None,
         environments: Sequence[str], reports: Path, environ: Mapping[str, str] | None = None,
         history: SinceLastRun | None = None) -> str:
    """Notify when something failed or changed (or always, when asked); return the one line to print.

    With history (the store answered), only new or regressed findings are news: a finding open for weeks does
    not page anyone every night; without it (none kept, or the store unreadable), today's rule."""
    environ = os.environ if environ is None else environ
    remembered = history is not None and not history.error
    if remembered and history is not None and not (request.always or news(history)):
        return "envmatrix: no notification (no new or regressed finding)"
    if not remembered and not (request.always or newsworthy(results, changes)):
        return "envmatrix: no notification (nothing failed or changed)"
    try:
        url = webhook_url(request.variable, environ)
    except ValueError as exc:
        return f"envmatrix: notification not sent: {exc}"
    location = report_location(reports, environ)
    if remembered and history is not None:
        text = compose_history(results, changes, environments, history, location)
    else:
        previous, note = previous_failures(request.previous_results)
        text = compose(results, changes, environments, previous, location, note)
    problem = post(url, text, environ)
    where = f"the webhook in ${request.variable}"
    return f"envmatrix: notification failed ({where}): {problem}" if problem else f"envmatrix: notified {where}"
