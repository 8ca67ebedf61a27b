"""Live change control, as CloudTrail observed it: a trail records the environment's management writes, and nobody
but the automation changed its resources by hand in the window (the Change control row, the suite's own)."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.aws.changecontrol import ManualChange, manual_changes, patterns, trail_text
from envmatrix.aws.cloudtrail import ChangesInventory
from envmatrix.escape import visible
from envmatrix.redact import redact_text
from envmatrix.verdict import CheckFailed, Evidence, holds
from envmatrix.wording import Figure, text

RECORDING = "a trail logging management write events (its own or an organization's)"


def _resource(changes: ChangesInventory) -> str:
    return f"cloudtrail:{changes.account}/{changes.region}"


def _trail(env: Environment, changes: ChangesInventory) -> str:
    """The recording trail's name; the check stops here, naming what is missing, when there is none."""
    trail = changes.recording
    env.require(_resource(changes), "Trail", RECORDING, trail_text(changes), holds=trail is not None,
                ok=holds(trail is not None))
    assert trail is not None
    return trail.name


@check("CHANGE-TRAIL", layer="live", area="security", row="change_control", evidence=True,
       figure=Figure("Trail", text("trail: {}"), rank=2))
def test_change_trail(env: Environment) -> None:
    """A CloudTrail trail, the environment's own or an organization's, logging (GetTrailStatus IsLogging) and
    recording management write events (event selectors or advanced selectors) in the environment's account and
    region: without one, "no manual change seen" means nothing."""
    _trail(env, env.live.section(ChangesInventory))


def _finding(env: Environment, change: ManualChange) -> Evidence:
    """The issue's one line per event: ``<env> CHANGE-MANUAL <resource>: <event> by <who> at <when> from <where>``
    (values read from AWS: redacted whole, then shown on one line)."""
    said = f"{change.resource}: {change.text()}"
    message = visible(redact_text(f"{env.name} CHANGE-MANUAL {said}"))
    return Evidence(env.name, "CHANGE-MANUAL", "live", change.resource, "ManualChanges", "none (automation only)",
                    visible(redact_text(said)), False, message)


@check("CHANGE-MANUAL", layer="live", area="security", row="change_control", evidence=True,
       figure=Figure("ManualChanges", text()))
def test_change_manual(env: Environment) -> None:
    """Write events on the environment's resources in the window by a principal that is not configured
    automation (the CI deploy role, CodeDeploy's, AWS service-linked roles, a service acting on its own): each
    one a finding where the spec forbids manual changes (a direct database modification through the RDS Data
    API or a query editor included), listed where it does not. Fails closed without a recording trail or when
    the page cap left events unread."""
    snapshot = env.live
    changes = snapshot.section(ChangesInventory)
    trail = _trail(env, changes)
    read = changes.read_events
    env.require(_resource(changes), "WriteEvents", f"at most {read} write events in the window (page_cap)",
                f"more than {read} write events in the window; read the first {read}", holds=not changes.truncated,
                ok=holds(not changes.truncated))
    control = env.suite.spec.change_control
    found = manual_changes(changes, snapshot, patterns(control.automation_principals, changes.prefix,
                                                       env.short_name))
    forbidden = env.name in control.forbid_manual
    summary = f"{len(found)} manual change{'' if len(found) == 1 else 's'} {changes.window} (trail: {trail}, logging)"
    if found and forbidden:
        findings = [_finding(env, change) for change in found]
        for evidence in findings:
            env.evidence.append(evidence)
            env.on_evidence(evidence)
        raise CheckFailed("\n".join(evidence.message for evidence in findings), findings[0])
    allowed = "" if not found else "; allowed here"
    env.expect(_resource(changes), "ManualChanges", "none" if forbidden else "any (not forbidden here)",
               summary + allowed, ok=holds(True))
    for change in found:  # who changed what, when: listed where manual changes are allowed
        env.expect(change.resource, "ManualChange", "allowed", change.text(), ok=holds(True))
