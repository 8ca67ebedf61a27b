"""The report's renderings from a hand-made model: figures, the status table, the filter, the header, the CSP."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from pathlib import Path

import pytest

from envmatrix.reporting import matrix
from envmatrix.reporting.figures import figure, figure_table, figuring
from envmatrix.reporting.matrix import build_matrix, header_facts
from envmatrix.reporting.model import FirstFailure, Matrix
from envmatrix.reporting.render_html import render_html
from envmatrix.reporting.render_md import render_markdown
from envmatrix.reporting.results import CheckResult
from envmatrix.reporting.statuses import LOOKS, look
from envmatrix.spec import Spec, load_spec
from envmatrix.verdict import Evidence
from tests.conftest import shipped_checks

ROOT = Path(__file__).resolve().parents[2]
#: The rows' figures as the shipped checks declare them.
FIGURES = figure_table(shipped_checks())
META = {"target": "sandbox", "spec_digest": "218fd972a8f2", "document": "Environment Management 1.0.0 (2025-10-30)",
        "generated_at": "2026-11-25T14:53:27+00:00", "spec_path": "fixtures/matrix.yaml", "suite_version": "0"}


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(ROOT / "fixtures" / "matrix.yaml")


def result(check_id: str, layer: str, row: str, evidence: list[tuple[str, str, str]], *, env: str = "production",
           status: str = "pass", message: str = "", proves: bool = True) -> CheckResult:
    values = [Evidence(env, check_id, layer, r, s, a, a, status == "pass", "") for r, s, a in evidence]
    return CheckResult(f"checks/{layer}/t.py::test_{check_id}[{env}]", check_id, env, layer, "sla", row, "high",
                       status, "misconfiguration" if status == "fail" else "", message, "", 0.0, values,  # type: ignore[arg-type]
                       proves)


@pytest.mark.parametrize(("row", "results", "shown"), [
    ("backups", [result("DB-BACKUP-RETENTION", "live", "backups", [("rds:db", "BackupRetentionPeriod", "30")])],
     "30 d"),
    ("database", [result("DB-MULTI-AZ", "live", "database", [("rds:db", "MultiAZ", "true")]),
                  result("DB-REPLICA-CLASS", "live", "database",
                         [("rds:db read replica", "exists", "present"),
                          ("rds:db-replica", "DBInstanceClass", "db.r6g.large")])],
     "Multi-AZ, replica db.r6g.large"),
    ("database", [result("DB-MULTI-AZ", "live", "database", [("rds:db", "MultiAZ", "false")]),
                  result("DB-REPLICA", "live", "database", [("rds:db", "ReadReplicaDBInstanceIdentifiers", "none")])],
     "Single AZ, no replica"),
    ("jwt_expiration", [result("JWT-ACCESS-MINUTES", "live", "jwt_expiration",
                               [("td:api", "environment.JWT_ACCESS_TOKEN_EXPIRE_MINUTES", "15")]),
                        result("JWT-ACCESS-MINUTES", "smoke", "jwt_expiration",
                               [("access_token", "exp - iat (minutes)", "14")])],
     "token 14 min"),  # what the service was observed to do wins over what its task definition says
    ("uptime_sla", [result("NET-AVAILABILITY-ZONES", "live", "uptime_sla",
                           [("vpc:v", "subnets.AvailabilityZone", '["us-east-1a", "us-east-1b", "us-east-1a"]')])],
     "2 AZs"),
    ("uptime_sla", [result("SLA-OBSERVED-AVAILABILITY", "live", "uptime_sla",
                           [("cloudwatch:production-taskmanager-alb", "availability",
                             "99.97% over 30 d, 70% of the error budget left")]),
                    result("NET-AVAILABILITY-ZONES", "live", "uptime_sla",
                           [("vpc:v", "subnets.AvailabilityZone", '["us-east-1a", "us-east-1b"]')])],
     "99.97% over 30 d, 70% of the error budget left, 2 AZs"),
    ("backups", [result("DB-BACKUP-RETENTION", "declared", "backups",
                        [("terraform.tfvars", "BackupRetentionPeriod", "30")])], ""),  # a file is not a figure
    ("data", [], ""),
])
def test_the_figure_is_what_was_live_or_observed(row: str, results: list[CheckResult], shown: str) -> None:
    assert figure(row, results, FIGURES) == shown


@pytest.mark.parametrize(("actual", "shown"), [
    ("$362 USD (2026-10)", "$362 of ~$380, budget $380 USD"),
    ("$3,912 USD (2026-10, estimated)", "$3,912 of ~$380, budget $380 USD"),
    ("no cost recorded for tag Environment=staging in 2026-10 (...)", "budget $380 USD"),  # no amount, no figure
])
def test_the_cost_figure_is_last_month_of_the_documented(actual: str, shown: str) -> None:
    last_month = result("COST-LAST-MONTH", "live", "cost_per_month",
                        [("cost:Environment=staging", "UnblendedCost", actual)], env="staging")
    last_month.evidence[0] = dataclasses.replace(last_month.evidence[0], expected="~$380 USD (within 10%: $342-$418)")
    budget = result("COST-BUDGET", "live", "cost_per_month",
                    [("budget:staging-taskmanager-monthly", "BudgetLimit", "$380 USD")], env="staging")
    assert figure("cost_per_month", [last_month, budget], FIGURES) == shown


def _model(spec: Spec, results: list[CheckResult]) -> Matrix:
    return build_matrix(results, spec, ["dev", "staging", "production"], META, figures=figuring(shipped_checks()))


def test_a_cell_backed_only_by_files_is_declared_only_with_its_own_look(spec: Spec) -> None:
    retention = [("rds:db", "BackupRetentionPeriod", "30")]
    empty = _model(spec, [result("DB-BACKUP-RETENTION", "live", "backups", retention)])
    page = render_html(empty)
    assert '<input type="radio" name="show" id="show-declared">' in page and "declared only (0)" in page
    assert '<p class="empty" id="empty-declared">No cell is declared only.</p>' in page
    assert 'body:has(#show-declared:checked) #empty-declared{display:block}' in page

    catalogue = {"backups": ["declared:DB-BACKUP-RETENTION", "live:DB-BACKUP-RETENTION"]}
    model = build_matrix([result("DB-BACKUP-RETENTION", "declared", "backups",
                                 [("terraform.tfvars", "db_backup_retention_days", "30")])],
                         spec, ["dev", "staging", "production"], META, catalogue)
    cell = model.rows[list(matrix.ROWS).index("backups")].cells["production"]
    assert (cell.status, cell.reason) == ("declared", "no live or smoke evidence of this row ran here")
    page = render_html(model)
    assert 'class="cell s-declared" data-env="production" data-row="backups" data-status="declared"' in page
    assert f'{look("declared").symbol}</span>declared only (1)' in page and 'id="empty-declared"' not in page
    assert '<tr id="row-backups" data-row="backups" data-statuses="declared not-checked">' in page
    assert ('<span class="why" title="no live or smoke evidence of this row ran here">no live or smoke evidence of '
            'this row ran here</span></td>') in page
    assert (f"{look('declared').icon} **30 days** · 1 check · _no live or smoke evidence of this row ran here_"
            in render_markdown(model))


@pytest.mark.parametrize(("results", "status"), [
    ([], "not-checked"),
    ([result("DB-BACKUP-RETENTION", "declared", "backups", [])], "declared"),
    ([result("DB-BACKUP-RETENTION", "drift", "backups", [])], "declared"),  # drift judges files against AWS
    ([result("DB-BACKUP-RETENTION", "declared", "backups", []), result("X", "live", "backups", [], proves=False)],
     "declared"),  # a supporting live check observes something else
    ([result("X", "live", "backups", [], proves=False), result("Y", "smoke", "backups", [], proves=False)],
     "not-checked"),
    ([result("DB-BACKUP-RETENTION", "live", "backups", [])], "pass"),
    ([result("APP-DEBUG", "smoke", "debug_mode", [])], "pass"),
    ([result("DB-BACKUP-RETENTION", "live", "backups", []), result("X", "declared", "backups", [], status="fail",
                                                                   proves=False)], "fail"),
    ([result("DB-BACKUP-RETENTION", "live", "backups", [], status="waived")], "waived"),
    ([result("DB-BACKUP-RETENTION", "live", "backups", [], status="skipped")], "fail"),
])
def test_a_cell_is_green_only_on_observed_evidence(results: list[CheckResult], status: str) -> None:
    assert matrix.cell_status(results) == status


@pytest.mark.parametrize(("status", "ran", "catalogue", "reason"), [
    ("pass", 1, {}, ""),
    ("not-checked", 0, {}, "no check is evidence of this row yet"),
    ("not-checked", 0, {"backups": ["live:DB-BACKUP-RETENTION"]},
     "no evidence of this row ran here (not selected, or none applies)"),
    ("not-checked", 2, {"backups": ["live:DB-BACKUP-RETENTION"]},
     "no evidence of this row ran here (not selected, or none applies) (2 supporting checks ran)"),
    ("not-checked", 0, None, "no evidence of this row ran here (not selected, or none applies)"),
    ("declared", 1, {"backups": ["declared:DB-BACKUP-RETENTION", "live:DB-BACKUP-RETENTION"]},
     "no live or smoke evidence of this row ran here"),
    ("declared", 1, {"backups": ["declared:DB-BACKUP-RETENTION"]}, "no check observes this row yet, only files"),
])
def test_a_cell_says_why_it_is_not_green(status: str, ran: int, catalogue: dict[str, list[str]] | None,
                                         reason: str) -> None:
    results = [result(f"X{n}", "live", "backups", [], proves=False) for n in range(ran)]
    assert matrix.cell_reason("backups", status, results, catalogue) == reason


def test_every_filter_choice_comes_from_the_status_table(spec: Spec) -> None:
    page = render_html(_model(spec, []))
    choices = re.findall(r'id="show-([\w-]+)"', page)
    assert choices == ["all"] + [look.status for look in LOOKS if look.filter]
    assert [look.filter for look in LOOKS if look.filter] == ["failing", "waived", "not checked", "declared only"]
    for status in choices[1:]:
        assert f'body:has(#show-{status}:checked) #matrix tbody tr:not([data-statuses~="{status}"]){{display:none}}' \
            in page


def test_cells_are_one_line_with_the_first_failure_and_folded_evidence(spec: Spec) -> None:
    message = "production DB-BACKUP-RETENTION terraform.tfvars.db_backup_retention_days: expected 30, got 7"
    model = _model(spec, [
        result("DB-BACKUP-RETENTION", "declared", "backups", [("terraform.tfvars", "db_backup_retention_days", "7")],
               status="fail", message=message),
        result("DB-BACKUP-RETENTION", "live", "backups", [("rds:db", "BackupRetentionPeriod", "30")])])
    cell = model.rows[list(matrix.ROWS).index("backups")].cells["production"]
    assert cell.first_failure == FirstFailure(check_id="DB-BACKUP-RETENTION", layer="declared", message=message,
                                              anchor="f-1")
    page = render_html(model)
    td = re.search(r'<td class="cell s-fail" data-env="production" data-row="backups".*?</td>', page)
    assert td is not None
    assert "<details><summary>" in td[0] and '<span class="doc">30 days</span> <span class="fig">· 30 d</span>' in td[0]
    assert '<span class="n">2 checks</span></summary>' in td[0]
    line = message.removeprefix("production ")
    assert f'<a class="first" href="#f-1" title="{message}">{line}</a></td>' in td[0]
    assert td[0].index("<h4>declared</h4>") < td[0].index("<h4>live</h4>")
    assert '<a href="#f-1"><span class="check">DB-BACKUP-RETENTION</span></a> fail' in td[0]
    assert "terraform.tfvars.db_backup_retention_days = 7 (expected 7)" in td[0]
    assert '<li id="f-1" data-status="fail"><strong>production DB-BACKUP-RETENTION</strong>' in page
    markdown = render_markdown(model)
    # values are escaped text (Markdown punctuation backslash-escaped) or code spans; our links stay links
    assert (r"❌ **30 days** · 30 d · 2 checks · [DB\-BACKUP\-RETENTION](#f-1): "
            r"terraform\.tfvars\.db\_backup\_retention\_days\: expected 30, got 7 |") in markdown
    evidence = markdown[markdown.index("<details><summary>Backups ▫️ ▫️ ❌</summary>"):]
    assert (r"  - declared: ❌ [DB\-BACKUP\-RETENTION](#f-1) fail "
            "`terraform.tfvars.db_backup_retention_days = 7 (expected 7)`\n"
            r"  - live: ✅ DB\-BACKUP\-RETENTION `rds:db.BackupRetentionPeriod = 30`") in evidence


def test_the_header_says_what_was_checked_where(spec: Spec) -> None:
    model = _model(spec, [result("A", "declared", "backups", [], env="dev"),
                          result("B", "smoke", "backups", [], env="staging"),
                          result("C", "declared", "backups", [], env="production")])
    assert header_facts(model) == [
        ("target", "sandbox"), ("spec", "218fd972a8f2"), ("document", "Environment Management 1.0.0 (2025-10-30)"),
        ("layers", "dev, production: declared; staging: observed"), ("when", "2026-11-25 14:53:27 UTC")]
    assert 'target <b data-fact="target">sandbox</b> · spec <b data-fact="spec">218fd972a8f2</b>' in render_html(model)


def test_the_page_loads_nothing_and_runs_only_its_own_script(spec: Spec) -> None:
    page = render_html(_model(spec, []))
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1 and "beforeprint" in scripts[0]
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert (f"content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'\"") in page
    assert not re.search(r"""(src|href)=["'](?!#)""", page), "no external resource, links only to anchors"
    assert "@media print" in page and "details::details-content" in page


def test_an_unknown_status_is_shown_plainly_never_hidden() -> None:
    unknown = look("flaky")
    assert (unknown.symbol, unknown.legend, unknown.filter) == ("?", "flaky", "flaky")


def test_supporting_checks_are_marked_in_the_evidence(spec: Spec) -> None:
    model = _model(spec, [result("ECS-ROLLOUT", "live", "deployment", [("ecs:api", "rolloutState", "COMPLETED")],
                                 proves=False)])
    cell = model.rows[list(matrix.ROWS).index("deployment")].cells["production"]
    assert (cell.status, cell.checks, cell.evidence_checks) == ("not-checked", 1, 0)
    assert '<span class="check">ECS-ROLLOUT</span> <span class="sup">supporting</span>' in render_html(model)
    assert r"✅ ECS\-ROLLOUT (supporting) `ecs:api.rolloutState = COMPLETED`" in render_markdown(model)
