"""The check decorator and registry: each check's id, layer, area, matrix row, whether it is that row's evidence,
and the figure its evidence shows in the row's cell."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal, TypeVar

import pytest

from envmatrix.spec import EnvironmentSpec
from envmatrix.wording import Figure

Layer = Literal["declared", "live", "drift", "parity", "smoke"]
Area = Literal["sla", "backups", "logging", "flags", "security", "monitoring", "cost"]
Severity = Literal["critical", "high", "medium", "low"]

LAYERS: tuple[str, ...] = ("declared", "live", "drift", "parity", "smoke")
AREAS: tuple[str, ...] = ("sla", "backups", "logging", "flags", "security", "monitoring", "cost")
MARKERS: dict[str, str] = {
    "declared": "checks of terraform.tfvars and the application env files",
    "live": "checks of the live AWS resources (read-only snapshot)",
    "drift": "declared vs live, key by key",
    "parity": "environments compared with each other",
    "smoke": "HTTP smoke tests against the running service",
    "security": "area: security controls (secrets, network, TLS, CORS, WAF)",
    "sla": "area: SLA-related settings (capacity, Multi-AZ, replicas, availability zones)",
    "backups": "area: backups, retention, deletion protection",
    "logging": "area: log level, retention, archive",
    "flags": "area: feature flags and application behaviour (debug, JWT, registration, ...)",
    "monitoring": "area: monitoring and alerting",
    "cost": "area: monthly cost (budgets)",
    "github": "checks read from GitHub (approvals, branch protection): need [github] repository and a token",
    "creates_users": "smoke test that registers new users (not run where real customer data lives)",
}

#: Matrix rows of the report: the document's "Environment Comparison Matrix" in its order (13 rows), then rows
#: of our own for checks that prove something the document's rows do not claim.
ROWS: dict[str, str] = {
    "uptime_sla": "Uptime SLA",
    "data": "Data",
    "database": "Database",
    "auto_scaling": "Auto Scaling",
    "debug_mode": "Debug Mode",
    "log_level": "Log Level",
    "jwt_expiration": "JWT Expiration",
    "email_verification": "Email Verification",
    "rate_limiting": "Rate Limiting",
    "monitoring": "Monitoring",
    "backups": "Backups",
    "deployment": "Deployment",
    "cost_per_month": "Cost/Month",
    "security": "Security controls",
    "access": "Access",
    "change_control": "Change control",
    "configuration": "Configuration",
    "config_structure": "Config structure (parity)",
}
#: Layers that observe the environment itself (AWS as it is, the service as it answers). A cell is green only
#: when evidence of its row passed in one of these; evidence from files alone (declared, and drift/parity,
#: which judge files against each other or against AWS) makes it "declared only".
OBSERVING: tuple[str, ...] = ("live", "smoke")

Applies = Callable[[EnvironmentSpec], bool]
F = TypeVar("F", bound=Callable[..., None])


def _always(_: EnvironmentSpec) -> bool:
    return True


@dataclass(frozen=True)
class CheckInfo:
    id: str
    layer: Layer
    area: Area
    row: str
    severity: Severity
    title: str
    applies: Applies = field(default=_always, compare=False)
    evidence: bool = False
    #: set only by a team's checks.yaml (envmatrix/checkmeta.py), applied to the collected checks
    owner: str = ""
    remediation_url: str = ""
    tags: tuple[str, ...] = ()
    #: what the check's evidence shows in its row's cell (live and smoke only): envmatrix/reporting/figures.py
    figures: tuple[Figure, ...] = ()


#: Every check defined so far, by (layer, id).
REGISTRY: dict[tuple[str, str], CheckInfo] = {}


def test_name_for(check_id: str) -> str:
    """The test function name a check id must have: DB-BACKUP-RETENTION -> test_db_backup_retention."""
    return "test_" + check_id.lower().replace("-", "_")


def check(
    check_id: str,
    *,
    layer: Layer,
    area: Area,
    row: str,
    severity: Severity = "high",
    applies: Applies = _always,
    evidence: bool = False,
    figure: Figure | tuple[Figure, ...] = (),
) -> Callable[[F], F]:
    """Mark a test function as envmatrix check ``check_id`` (parametrized by environment).

    ``row`` is where the check's result is listed; ``evidence=True`` says the check proves the row's claim (the
    words of the document's cell, e.g. "Multi-AZ, with replica"), so its passing in a live or smoke run can make
    the cell green. A check that only supports the row (sizes beside "Multi-AZ", a health probe beside
    "Manual approval") keeps the default: its failure still turns the cell red, its success proves nothing.
    ``figure`` is what its evidence shows in that cell beside the documented value (envmatrix/wording.py).
    """
    if row not in ROWS:
        raise ValueError(f"{check_id}: unknown matrix row {row!r}; rows: {list(ROWS)}")

    def decorate(function: F) -> F:
        info = CheckInfo(check_id, layer, area, row, severity, (function.__doc__ or check_id).strip(), applies,
                         evidence, figures=figure if isinstance(figure, tuple) else (figure,))
        REGISTRY[(layer, check_id)] = info
        function.__name__ = test_name_for(check_id)
        marked = pytest.mark.envmatrix_check(info)(function)
        marked = getattr(pytest.mark, layer)(marked)
        return getattr(pytest.mark, area)(marked)  # type: ignore[no-any-return]

    return decorate


def evidence_catalogue(infos: Iterable[CheckInfo] | None = None) -> dict[str, list[str]]:
    """Per row, the checks (``layer:ID``) defined as its evidence (of ``infos``, default every check imported):
    what the report can say exists but was not run."""
    rows: dict[str, list[str]] = {}
    for info in sorted(REGISTRY.values() if infos is None else set(infos), key=lambda i: (i.layer, i.id)):
        if info.evidence:
            rows.setdefault(info.row, []).append(f"{info.layer}:{info.id}")
    return rows


def info_of(item: pytest.Item) -> CheckInfo | None:
    marker = item.get_closest_marker("envmatrix_check")
    return marker.args[0] if marker is not None else None
