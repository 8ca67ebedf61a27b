"""Declared Data row: the database's classification tag and the accounts its data is shared with, per the tfvars."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.spec import EnvironmentSpec
from envmatrix.verdict import holds


def _classified(spec: EnvironmentSpec) -> bool:
    return spec.data.classification is not None


@check("DATA-CLASSIFICATION", layer="declared", area="security", row="data", severity="medium", applies=_classified)
def test_data_classification(env: Environment) -> None:
    """The classification the database is tagged with (db_data_classification) is the document's for the
    environment."""
    env.expect_tfvars("db_data_classification", env.spec.data.classification, env.tfvars.db_data_classification)


@check("DATA-SNAPSHOTS-PRIVATE", layer="declared", area="security", row="data", severity="critical")
def test_data_snapshots_private(env: Environment) -> None:
    """The accounts the tfvars share snapshots and backups with (dr_account_ids) are all allowed by the spec."""
    allowed = env.spec.data.allowed_accounts
    declared = env.tfvars.dr_account_ids or []
    beyond = sorted(set(declared) - set(allowed))
    env.expect_tfvars("dr_account_ids", list(allowed), beyond or declared,
                      expected_text=f"only accounts of data.allowed_accounts {list(allowed)}", ok=holds(not beyond))
