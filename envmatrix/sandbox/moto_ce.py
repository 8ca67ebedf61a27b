"""Cost Explorer fidelity for the sandbox's moto server: the account's bill answers every request, as on AWS.

moto 5.2 answers GetCostAndUsage from results queued through ``/moto-api/static/ce/cost-and-usage-results``:
the first request with a given body takes the queue's head and keeps it for that body; a request with another
body (another month, tag key or page token) takes the next one, and once the queue is empty moto answers an
empty default (no groups: "no cost recorded", a failure). A result queued after a body was answered is never
seen by that body. On AWS the answer is the account's billing data: the same for every identical request, never
used up, and a change shows in the next request. The sandbox queues its bill when it provisions and a fault
queues a changed one; so here the latest queued result is the bill, answered to every request (for the period
asked) until another is queued, and moto's reset forgets it. With nothing queued, moto's empty default stays.
"""

from __future__ import annotations

import json
from typing import Any

_BILL = "_envmatrix_bill"


def _answer(backend: Any, body: str, original: Any) -> dict[str, Any]:
    queue: list[dict[str, Any]] = backend.cost_usage_results_queue
    if queue:  # the latest queued bill replaces the one before; nothing queued is ever answered stale
        setattr(backend, _BILL, queue[-1])
        queue.clear()
    bill: dict[str, Any] | None = getattr(backend, _BILL, None)
    if bill is None:
        answer: dict[str, Any] = original(backend, body)
        return answer
    period = json.loads(body or "{}").get("TimePeriod")
    return {**bill, "ResultsByTime": [{**item, "TimePeriod": period or item.get("TimePeriod")}
                                      for item in bill.get("ResultsByTime", [])]}


def install() -> None:
    """Wrap moto's Cost Explorer ``get_cost_and_usage`` (in this server process only)."""
    from moto.ce.models import CostExplorerBackend

    original = CostExplorerBackend.get_cost_and_usage
    if getattr(original, "_envmatrix", False):
        return

    def get_cost_and_usage(self: Any, body: str) -> dict[str, Any]:
        return _answer(self, body, original)

    get_cost_and_usage._envmatrix = True  # type: ignore[attr-defined]
    CostExplorerBackend.get_cost_and_usage = get_cost_and_usage  # type: ignore[method-assign]
