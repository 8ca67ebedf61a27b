"""Live cost: a monthly AWS Budgets cost budget at the documented amount, with an alert notification."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.aws.checking import live, present


def _usd(amount: float) -> str:
    return f"${amount:,.0f}"


@check("COST-BUDGET", layer="live", area="cost", row="cost_per_month", evidence=True, severity="medium")
def test_cost_budget(env: Environment) -> None:
    """A COST budget, MONTHLY, limited at the documented monthly cost (within the spec's tolerance), that alerts."""
    snapshot = live(env)
    resource = f"budget:{snapshot.names['budget']}"
    budget = present(env, snapshot.section("budgets").budget, resource)
    env.expect(resource, "BudgetType", "COST", budget.budget_type)
    env.expect(resource, "TimeUnit", "MONTHLY", budget.time_unit)
    cost = env.spec.cost
    low, high = cost.bounds()
    documented = _usd(cost.monthly_usd_low) if cost.monthly_usd_low == cost.monthly_usd_high else \
        f"{_usd(cost.monthly_usd_low)}-{_usd(cost.monthly_usd_high)}"
    amount = budget.limit_amount
    shown = f"{_usd(amount)} {budget.limit_unit}" if amount is not None else "none"
    env.expect(resource, "BudgetLimit", f"~{documented} USD", shown,
               expected_text=f"~{documented} USD (within {cost.tolerance_percent}%: {_usd(low)}-{_usd(high)})",
               ok=lambda _w, _g: amount is not None and budget.limit_unit == "USD" and low <= amount <= high)
    alerts = [f"{note.kind} {note.comparison} {note.threshold:g}"
              + ("%" if note.threshold_type == "PERCENTAGE" else " USD") for note in budget.notifications]
    env.expect(resource, "Notifications", "at least one alert notification", alerts or "none",
               ok=lambda _w, got: got != "none")
