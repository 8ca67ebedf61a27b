"""RDS DB snapshots and who may restore them: the Data row's "production data stays in production".

An environment with real customer data: its database's manual snapshots (copies included: a copy keeps the
source's DBInstanceIdentifier) and each one's ``restore`` attribute, the accounts that may restore it ("all":
public). Automated snapshots cannot be shared, so they are not asked about. Any other environment: the snapshots
other accounts share into its account (SnapshotType "shared"), the way production data would reach it.
"""

from __future__ import annotations

from typing import Any

from envmatrix.aws.arn import parse_arn
from envmatrix.aws.reading import Once, reading
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

#: the restore attribute's value that makes a snapshot public
PUBLIC = "all"


class DbSnapshot(Model):
    identifier: str
    arn: str
    instance: str | None
    snapshot_type: str
    #: the account that owns it (from its ARN); None where the ARN does not say
    owner: str | None
    #: who may restore it besides its owner: account ids, or "all" (public); read for own snapshots only
    restore: list[str] = []


class DbSnapshotsInventory(Model):
    #: the database's manual snapshots and who may restore each (an environment with real customer data)
    own: list[DbSnapshot] | None = None
    #: snapshots other accounts share with this environment's account (any other environment)
    shared_in: list[DbSnapshot] | None = None


#: The snapshots shared into an account are the same for every environment in it (IncludeShared is account-wide):
#: asked once per RDS client, as Cost Explorer's one call (forgotten with the client).
_SHARED_IN = Once()


def _snapshot(raw: dict[str, Any]) -> DbSnapshot:
    arn = str(raw.get("DBSnapshotArn", ""))
    parsed = parse_arn(arn)
    return DbSnapshot(identifier=str(raw["DBSnapshotIdentifier"]), arn=arn, instance=raw.get("DBInstanceIdentifier"),
                      snapshot_type=str(raw.get("SnapshotType", "")), owner=parsed.account if parsed else None)


def _listed(target: AwsTarget, **params: str | bool) -> list[DbSnapshot]:
    pages = target.clients.client("rds").get_paginator("describe_db_snapshots").paginate(**params)
    return [_snapshot(raw) for page in pages for raw in page.get("DBSnapshots", [])]


def _restore(target: AwsTarget, snapshot: DbSnapshot) -> DbSnapshot:
    rds = target.clients.client("rds")
    with reading(target.env, f"RDS snapshot {snapshot.identifier} attributes"):
        answer = rds.describe_db_snapshot_attributes(DBSnapshotIdentifier=snapshot.identifier)
    attributes = answer.get("DBSnapshotAttributesResult", {}).get("DBSnapshotAttributes", [])
    values = [str(value) for item in attributes if item.get("AttributeName") == "restore"
              for value in item.get("AttributeValues", [])]
    return snapshot.model_copy(update={"restore": values})


def fetch(target: AwsTarget) -> DbSnapshotsInventory:
    """Real data: one page per 100 manual snapshots, then one call per snapshot; otherwise one call (paged)
    per account, shared by the environments read through the same client."""
    if not target.wants.real_data:
        with reading(target.env, "RDS snapshots shared with the account"):
            rds = target.clients.client("rds")
            shared = _SHARED_IN.get(id(rds), lambda: _listed(target, SnapshotType="shared", IncludeShared=True), rds)
            return DbSnapshotsInventory(shared_in=list(shared))
    db = target.names.db
    with reading(target.env, f"RDS manual snapshots of {db}"):
        manual = _listed(target, DBInstanceIdentifier=db, SnapshotType="manual")
    return DbSnapshotsInventory(own=[_restore(target, snapshot) for snapshot in manual])


def outside(snapshot: DbSnapshot, allowed: set[str]) -> list[str]:
    """Who may restore the snapshot beyond the allowed accounts: "all" (public) or an account id, each once."""
    return sorted({who for who in snapshot.restore if who == PUBLIC or who not in allowed})


SECTION = Section("db_snapshots", fetch, DbSnapshotsInventory, services=("rds",), operations=(
    ("rds", "DescribeDBSnapshotAttributes"),
    ("rds", "DescribeDBSnapshots"),
))
