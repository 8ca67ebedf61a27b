"""The figure a cell shows beside the documented value: what was live or observed, read from the evidence."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from envmatrix.reporting.results import CheckResult

Show = Callable[[str], str]


@dataclass(frozen=True)
class Source:
    """One piece of evidence: a check's setting (and, where a check reads several resources, a resource part)."""

    check_id: str
    setting: str
    show: Show
    resource_has: str = ""
    #: where the figure needs the documented value too: (actual, expected) -> text; used instead of ``show``
    show_both: Callable[[str, str], str] | None = None


def _same(value: str) -> str:
    return value


def _days(value: str) -> str:
    return f"{value.removesuffix('.0')} d"


def _count(noun: str) -> Show:
    def show(value: str) -> str:
        try:
            items = json.loads(value)
        except ValueError:
            return ""
        return f"{len(set(items))} {noun}" if isinstance(items, list) else ""
    return show


def _word(true: str, false: str) -> Show:
    return lambda value: {"true": true, "enabled": true, "false": false, "disabled": false}.get(value.lower(), "")


def _prefix(text: str) -> Show:
    return lambda value: f"{text}{value}"


def _replicas(value: str) -> str:
    return "no replica" if value == "none" else ""


def _throttled(value: str) -> str:
    return "no 429" if value == "0" else ""


def _of_documented(actual: str, expected: str) -> str:
    """e.g. "$362 of ~$380" from "$362 USD (2026-10)" and "~$380 USD (within 10%: ...)"; "" without an amount."""
    amount, documented = actual.split(" ", 1)[0], expected.split(" ", 1)[0]
    return f"{amount} of {documented}" if amount.startswith("$") else ""


def _listed(noun: str) -> Show:
    """A JSON list of what was found ("none" shows nothing): its length and noun."""
    return lambda value: "" if value == "none" else _count(noun)(value)


#: Per matrix row, the parts of its figure; each part is the first source found (observed before live).
#: A new check shows its figure by adding a Source here: its id, the setting of its evidence (env.expect's
#: `setting`) whose actual value is the figure, and how to word it (``show_both`` where the wording needs the
#: documented value too: COST-LAST-MONTH's "$362 USD (2026-10)" against "~$380 USD ..." shows "$362 of ~$380").
FIGURES: dict[str, tuple[tuple[Source, ...], ...]] = {
    "uptime_sla": ((Source("SLA-OBSERVED-AVAILABILITY", "availability", _same),),
                   (Source("NET-AVAILABILITY-ZONES", "subnets.AvailabilityZone", _count("AZs")),)),
    "database": ((Source("DB-MULTI-AZ", "MultiAZ", _word("Multi-AZ", "Single AZ")),),
                 (Source("DB-REPLICA-CLASS", "DBInstanceClass", _prefix("replica "), "replica"),
                  Source("DB-REPLICA", "ReadReplicaDBInstanceIdentifiers", _replicas))),
    "auto_scaling": ((Source("AUTO-SCALING", "MinCapacity..MaxCapacity", _prefix("api "), "/api"),),
                     (Source("AUTO-SCALING-POLICY", "ScalingPolicies", _listed("api scaling policy"), "/api"),)),
    "debug_mode": ((Source("APP-DEBUG", "environment.DEBUG", _prefix("DEBUG="), "-api"),),),
    "log_level": ((Source("LOG-LEVEL", "environment.LOG_LEVEL", _same, "-api"),),
                  (Source("LOG-RETENTION", "retentionInDays", _days, "-api"),)),
    "jwt_expiration": ((Source("JWT-ACCESS-MINUTES", "exp - iat (minutes)", lambda v: f"token {v} min"),
                        Source("JWT-ACCESS-MINUTES", "environment.JWT_ACCESS_TOKEN_EXPIRE_MINUTES",
                               lambda v: f"{v} min")),),
    "email_verification": ((Source("APP-UNVERIFIED-LOGIN", "status_code", _prefix("unverified login "),
                                   "unverified"),
                            Source("APP-EMAIL-VERIFICATION", "status_code", _prefix("unverified login "),
                                   "unverified"),
                            Source("APP-EMAIL-VERIFICATION", "environment.ENABLE_EMAIL_VERIFICATION",
                                   _word("verification on", "verification off"))),),
    "rate_limiting": ((Source("APP-RATE-LIMITING", "rate limit", _same),
                       Source("APP-RATE-LIMITING", "HTTP 429 responses", _throttled)),),
    "monitoring": ((Source("MON-CONTAINER-INSIGHTS", "settings.containerInsights",
                           _word("Container Insights", "no Container Insights")),),
                   (Source("MON-ALARMS", "count", lambda v: f"{v} alarms"),),
                   (Source("MON-ALERT-SUBSCRIPTIONS", "Subscriptions", lambda v: f"alerts to {v}"),)),
    "backups": ((Source("DB-BACKUP-RETENTION", "BackupRetentionPeriod", _days),),
                (Source("DB-BACKUPS-RECENT", "LatestRestorableTime", _prefix("restorable ")),)),
    "cost_per_month": ((Source("COST-LAST-MONTH", "UnblendedCost", _same, show_both=_of_documented),),
                       (Source("COST-BUDGET", "BudgetLimit", _prefix("budget ")),)),
    "security": ((Source("WAF-ASSOCIATED", "WebACL", lambda v: "WAF"),),
                 (Source("SMOKE-TLS", "certificate.days_left", lambda v: f"TLS cert {_days(v)} left"),)),
}
#: Evidence from these layers is a figure: what is there, not what a file says.
_SEEN = ("smoke", "live")


def _value(results: Sequence[CheckResult], source: Source) -> str:
    for layer in _SEEN:
        for result in results:
            if result.check_id != source.check_id or result.layer != layer:
                continue
            for ev in result.evidence:
                if ev.setting == source.setting and source.resource_has in ev.resource and ev.actual:
                    if source.show_both is not None:
                        return source.show_both(ev.actual, ev.expected)
                    return source.show(ev.actual)
    return ""


def figure(row: str, results: Sequence[CheckResult]) -> str:
    """e.g. "Multi-AZ, replica db.r6g.large"; "" where no live or observed evidence gives one."""
    parts = []
    for alternatives in FIGURES.get(row, ()):
        shown = next((text for text in (_value(results, source) for source in alternatives) if text), "")
        if shown:
            parts.append(shown)
    return ", ".join(parts)
