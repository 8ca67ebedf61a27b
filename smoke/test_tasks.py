"""Tasks: create, read, list, delete with the smoke account; leftovers are deleted in teardown."""

from __future__ import annotations

import uuid

from envmatrix import Environment, check
from envmatrix.context import MISSING
from envmatrix.http.contract import TaskLedger, json_object


@check("SMOKE-TASKS", layer="smoke", area="sla", row="deployment", severity="critical")
def test_smoke_tasks(env: Environment, smoke_tasks: TaskLedger) -> None:
    """A task round-trip: 201 on create, readable and listed, 204 on delete, then gone."""
    client = env.http
    title = f"envmatrix smoke {uuid.uuid4().hex[:8]}"
    created = smoke_tasks.create(title)
    env.expect(f"POST {client.url(client.paths.tasks)}", "status_code", 201, created.status_code)
    task_id = str(json_object(created).get("id", ""))
    env.expect(f"POST {client.url(client.paths.tasks)}", "id", "present", "present" if task_id else MISSING)
    one = client.url(client.paths.task(task_id))
    read = client.request("GET", client.paths.task(task_id), token=smoke_tasks.token)
    env.expect(f"GET {one}", "status_code", 200, read.status_code)
    env.expect(f"GET {one}", "title", title, json_object(read).get("title", MISSING))
    listed = client.request("GET", client.paths.tasks, token=smoke_tasks.token)
    ids = [str(t.get("id")) for t in listed.json() if isinstance(t, dict)] if listed.status_code == 200 else []
    env.expect(f"GET {client.url(client.paths.tasks)}", "ids", f"includes {task_id}", ids,
               ok=lambda _w, got: task_id in got)
    env.expect(f"DELETE {one}", "status_code", 204, smoke_tasks.delete(task_id).status_code)
    gone = client.request("GET", client.paths.task(task_id), token=smoke_tasks.token)
    env.expect(f"GET {one} (after delete)", "status_code", 404, gone.status_code)
