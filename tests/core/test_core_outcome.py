"""The one result object and its codec: what a worker sends is what the controller reads, JUnit properties as ever."""

from __future__ import annotations

import json

import pytest

from envmatrix.catalog import CheckInfo
from envmatrix.outcome import CheckOutcome, attach, decode, encode, outcome_of
from envmatrix.verdict import compare

INFO = CheckInfo("DB-BACKUP-RETENTION", "declared", "backups", "backups", "critical", "Backups are kept.",
                 evidence=True, owner="team-data", remediation_url="https://wiki/backups", tags=("pci", "data"))
PASSED = compare(env="production", check_id=INFO.id, layer="declared", resource="terraform.tfvars",
                 setting="db_backup_retention_days", expected="30", actual="30")
FAILED = compare(env="production", check_id=INFO.id, layer="declared", resource="terraform.tfvars",
                 setting="db_backup_retention_days", expected="30", actual="7",
                 location="fixtures/tfvars/production/terraform.tfvars:12")
OUTCOME = CheckOutcome(INFO, "production", (PASSED, FAILED), waiver="waived until 2030-01-01", kind="misconfiguration")


def test_an_outcome_survives_its_codec_whole() -> None:
    assert decode(encode(OUTCOME)) == OUTCOME
    assert decode(json.loads(json.dumps(encode(OUTCOME)))) == OUTCOME  # as xdist carries it: a JSON string
    assert hash(decode(encode(OUTCOME)).info) == hash(INFO)  # tags are a tuple again


def test_the_outcome_rides_on_the_report_as_one_attribute() -> None:
    report = pytest.TestReport("x.py::test_db_backup_retention[production]", ("x.py", 1, "t"), {}, "passed",
                               None, "call")
    assert outcome_of(report) is None
    attach(report, OUTCOME)
    assert outcome_of(report) == OUTCOME and report.user_properties == []
    back = pytest.TestReport._from_json(report._to_json())  # xdist's serialisation
    assert outcome_of(back) == OUTCOME


def test_junit_properties_are_written_in_the_order_users_know() -> None:
    assert OUTCOME.junit_properties() == [
        ("check_id", INFO.id), ("environment", "production"), ("layer", "declared"), ("area", "backups"),
        ("row", "backups"), ("severity", "critical"), ("owner", "team-data"),
        ("remediation_url", "https://wiki/backups"), ("tags", "pci,data"), ("waiver", "waived until 2030-01-01"),
        ("row_evidence", "true"), ("envmatrix_evidence", PASSED.as_json()), ("envmatrix_evidence", FAILED.as_json()),
        ("location", "fixtures/tfvars/production/terraform.tfvars:12"),
        ("envmatrix_failure_kind", "misconfiguration")]
    plain = CheckOutcome(CheckInfo("X", "live", "backups", "backups", "high", "t"), "dev")
    assert plain.junit_properties() == [("check_id", "X"), ("environment", "dev"), ("layer", "live"),
                                        ("area", "backups"), ("row", "backups"), ("severity", "high"),
                                        ("row_evidence", "false")]
