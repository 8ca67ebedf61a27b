"""Live deployment state: every ECS service has finished rolling out what it runs."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.aws.checking import ROLES, service
from envmatrix.aws.ecs import TASK_SET_CONTROLLERS, Rollout

#: AWS's own words for a finished rollout (states of the API, not values of the matrix).
FINISHED_ROLLOUT = "COMPLETED"  # Deployment.rolloutState
STEADY_TASK_SET = "STEADY_STATE"  # TaskSet.stabilityStatus
#: A deployment that has been completely replaced; it runs nothing.
GONE = "INACTIVE"


def _shown(rollout: Rollout) -> str:
    return f"{rollout.status} {rollout.task_definition.rsplit('/', 1)[-1]}"


@check("ECS-ROLLOUT", layer="live", area="sla", row="deployment", severity="high")
def test_ecs_rollout(env: Environment) -> None:
    """Each service's rollout has finished: one deployment (or task set), running = desired, rolloutState COMPLETED."""
    for role in ROLES:
        resource, found = service(env, role)
        current = [rollout for rollout in found.rollouts if rollout.status != GONE]
        kind = "taskSets" if found.controller in TASK_SET_CONTROLLERS else "deployments"
        shown = [_shown(rollout) for rollout in current]
        env.expect(resource, kind, "one (the rollout finished)", shown or "none",
                   ok=lambda _w, got: got == "none" or len(got) == 1)
        env.expect(resource, "runningCount", found.desired_count, found.running_count,
                   expected_text=f"desiredCount {found.desired_count}")
        for rollout in current:
            if rollout.rollout_state is not None:
                env.expect(f"{resource}/deployment:{rollout.id}", "rolloutState", FINISHED_ROLLOUT,
                           rollout.rollout_state)
            if rollout.stability_status is not None:
                env.expect(f"{resource}/task-set:{rollout.id}", "stabilityStatus", STEADY_TASK_SET,
                           rollout.stability_status)
