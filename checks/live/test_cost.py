"""Live cost: a monthly AWS Budgets cost budget at the documented amount, and last month's cost within it."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.aws.budgets import BudgetsInventory
from envmatrix.aws.checking import present
from envmatrix.aws.costs import CostsInventory
from envmatrix.spec import Cost
from envmatrix.wording import Figure, of_documented, text


def _usd(amount: float) -> str:
    return f"${amount:,.0f}"


def _documented(cost: Cost) -> tuple[str, str]:
    """("~$380 USD", "~$380 USD (within 10%: $342-$418)"): the documented cost, and with its accepted range."""
    low, high = cost.bounds()
    documented = _usd(cost.monthly_usd_low) if cost.monthly_usd_low == cost.monthly_usd_high else \
        f"{_usd(cost.monthly_usd_low)}-{_usd(cost.monthly_usd_high)}"
    return f"~{documented} USD", f"~{documented} USD (within {cost.tolerance_percent}%: {_usd(low)}-{_usd(high)})"


@check("COST-BUDGET", layer="live", area="cost", row="cost_per_month", evidence=True, severity="medium",
       figure=Figure("BudgetLimit", text("budget {}"), part=2))
def test_cost_budget(env: Environment) -> None:
    """A COST budget, MONTHLY, limited at the documented monthly cost (within the spec's tolerance), that alerts."""
    snapshot = env.live
    resource = f"budget:{snapshot.names['budget']}"
    budget = present(env, snapshot.section(BudgetsInventory).budget, resource)
    env.expect(resource, "BudgetType", "COST", budget.budget_type)
    env.expect(resource, "TimeUnit", "MONTHLY", budget.time_unit)
    low, high = env.spec.cost.bounds()
    documented, accepted = _documented(env.spec.cost)
    amount = budget.limit_amount
    shown = f"{_usd(amount)} {budget.limit_unit}" if amount is not None else "none"
    env.expect(resource, "BudgetLimit", documented, shown, expected_text=accepted,
               ok=lambda _w, _g: amount is not None and budget.limit_unit == "USD" and low <= amount <= high)
    alerts = [f"{note.kind} {note.comparison} {note.threshold:g}"
              + ("%" if note.threshold_type == "PERCENTAGE" else " USD") for note in budget.notifications]
    env.expect(resource, "Notifications", "at least one alert notification", alerts or "none",
               ok=lambda _w, got: got != "none")


@check("COST-LAST-MONTH", layer="live", area="cost", row="cost_per_month", evidence=True, severity="medium",
       figure=Figure("UnblendedCost", of_documented()))
def test_cost_last_month(env: Environment) -> None:
    """Last full month's cost (Cost Explorer, UnblendedCost of the environment's tag) within the documented range.

    An estimated figure (AWS may still revise a closed month in the next one's first days) is still the month's.
    """
    costs = env.live.section(CostsInventory)
    resource = f"cost:{costs.tag_key}={costs.tag_value}"
    low, high = env.spec.cost.bounds()
    documented, accepted = _documented(env.spec.cost)
    found = costs.cost
    month = f"{costs.month}, estimated" if costs.estimated else costs.month
    shown = f"{_usd(found.amount)} {found.unit} ({month})" if found is not None else (
        f"no cost recorded for tag {costs.tag_key}={costs.tag_value} in {costs.month} (a running environment "
        f"costs something: is {costs.tag_key} activated as a cost allocation tag in the Billing console?)")
    env.expect(resource, costs.metric, documented, shown, expected_text=accepted,
               ok=lambda _w, _g: found is not None and found.unit == "USD" and low <= found.amount <= high)
