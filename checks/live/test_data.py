"""Live Data row: production data stays in production (its snapshots and backups shared with no account outside
its own and the spec's), no snapshot reaches the other environments, and the databases' classification claims."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.aws.buckets import BucketsInventory
from envmatrix.aws.checking import present
from envmatrix.aws.dbsnapshots import PUBLIC, DbSnapshotsInventory, outside
from envmatrix.aws.identity import Identity
from envmatrix.aws.policies import grants_outside
from envmatrix.aws.rds import RdsInventory
from envmatrix.spec import Data, EnvironmentSpec
from envmatrix.verdict import holds
from envmatrix.wording import Figure, text

#: the classification tag's default key: the setting its figure shows (a spec naming another key shows no figure)
CLASSIFICATION_TAG = str(Data.model_fields["classification_tag"].default)


def _real_data(spec: EnvironmentSpec) -> bool:
    return spec.data.real_customer_data


def _no_real_data(spec: EnvironmentSpec) -> bool:
    return not spec.data.real_customer_data


def _real_data_backups(spec: EnvironmentSpec) -> bool:
    return spec.data.real_customer_data and spec.security.backup_bucket


def _classified(spec: EnvironmentSpec) -> bool:
    return spec.data.classification is not None


def _allowed(env: Environment) -> tuple[set[str], str]:
    """The environment's own account (as read) and the spec's allowed accounts, and how a finding words them."""
    own = env.live.section(Identity).account
    others = env.spec.data.allowed_accounts
    return {own, *others}, f"account {own}" + (f" and {', '.join(others)} (spec: data.allowed_accounts)"
                                               if others else " only (spec: data.allowed_accounts empty)")


@check("DATA-SNAPSHOTS-PRIVATE", layer="live", area="security", row="data", evidence=True, severity="critical",
       applies=_real_data, figure=Figure("ManualSnapshots", text()))
def test_data_snapshots_private(env: Environment) -> None:
    """No manual snapshot of the database with real customer data (copies included) is public or restorable by an
    account outside the environment's own and the spec's allowed ones (DescribeDBSnapshotAttributes: restore)."""
    resource = f"rds:{env.live.names['db']}"
    db = present(env, env.live.section(RdsInventory).primary, resource)
    # An Aurora member's snapshots are its cluster's (DescribeDBClusterSnapshots, not read): never green unseen.
    env.require(resource, "DBClusterIdentifier", "none (instance snapshots)", db.cluster or "none (instance snapshots)",
                holds=db.cluster is None)
    snapshots = env.live.section(DbSnapshotsInventory).own
    env.require(resource, "manual snapshots read", "read", "not read" if snapshots is None else "read",
                holds=snapshots is not None)
    assert snapshots is not None  # env.require raised otherwise
    allowed, wording = _allowed(env)
    shared = [snapshot for snapshot in snapshots if snapshot.restore]
    beyond = {snapshot.identifier: outside(snapshot, allowed) for snapshot in shared}
    with env.every():
        for identifier, who in beyond.items():
            shown = [f"{item} (public)" if item == PUBLIC else item for item in who]
            env.expect(f"rds-snapshot:{identifier}", "restore", "", shown or "allowed accounts only",
                       expected_text=f"restorable by {wording}", ok=holds(not who))
        leaks = sum(1 for who in beyond.values() if who)
        env.expect(resource, "ManualSnapshots", "", f"{len(shared)} shared snapshot{'' if len(shared) == 1 else 's'}"
                   + (f", {leaks} outside" if leaks else ", allowed accounts only" if shared else ""),
                   expected_text=f"none restorable outside {wording}", ok=holds(not leaks))


@check("DATA-BACKUP-POLICY", layer="live", area="security", row="data", evidence=True, severity="critical",
       applies=_real_data_backups, figure=Figure("Policy", text("backups: {}"), part=2))
def test_data_backup_policy(env: Environment) -> None:
    """The backup bucket's policy grants nothing to a principal outside the environment's own account and the
    spec's allowed ones: a ``Principal: "*"`` without a condition pinning the caller's account or org fails."""
    resource = f"s3:{env.live.names['backup_bucket']}"
    bucket = present(env, env.live.section(BucketsInventory).backup, resource)
    allowed, wording = _allowed(env)
    statements = bucket.policy
    grants = (grants_outside(statements, allowed, env.spec.data.allowed_organizations) if statements is not None
              else ["the policy was not read"])
    env.expect(resource, "Policy", "", "; ".join(grants) or ("no policy" if not statements else "no grant outside"),
               expected_text=f"grants only to {wording}", ok=holds(not grants))


@check("DATA-NO-SHARED-SNAPSHOTS", layer="live", area="security", row="data", evidence=True, severity="critical",
       applies=_no_real_data, figure=Figure("SharedWithAccount", text(), rank=2))
def test_data_no_shared_snapshots(env: Environment) -> None:
    """No other account shares a DB snapshot into this environment's account (the way production's data would reach
    it), except the spec's allowed accounts (DescribeDBSnapshots, SnapshotType shared). The account's answer says
    nothing of an environment that is not there: its database must be (fail closed on an empty account)."""
    present(env, env.live.section(RdsInventory).primary, f"rds:{env.live.names['db']}")
    snapshots = env.live.section(DbSnapshotsInventory).shared_in
    allowed, wording = _allowed(env)
    resource = f"rds-account:{env.live.section(Identity).account}"
    env.require(resource, "shared snapshots read", "read", "not read" if snapshots is None else "read",
                holds=snapshots is not None)
    assert snapshots is not None  # env.require raised otherwise
    foreign = [f"{item.identifier} (account {item.owner or 'unknown'})" for item in snapshots
               if item.owner not in allowed]
    env.expect(resource, "SharedWithAccount", "", "; ".join(foreign) or f"{len(snapshots)} snapshots shared in",
               expected_text=f"no snapshot shared in but from {wording}", ok=holds(not foreign))


@check("DATA-CLASSIFICATION", layer="live", area="security", row="data", severity="medium", applies=_classified,
       figure=Figure(f"tags.{CLASSIFICATION_TAG}", text("tagged {}"), part=2, rank=2))
def test_data_classification(env: Environment) -> None:
    """The database carries the data classification the document gives the environment (supporting evidence
    only: a tag is a claim, not proof of what the data is)."""
    resource = f"rds:{env.live.names['db']}"
    db = present(env, env.live.section(RdsInventory).primary, resource)
    key = env.spec.data.classification_tag
    env.expect(resource, f"tags.{key}", env.spec.data.classification, db.tags.get(key, "none"))
