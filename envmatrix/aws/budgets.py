"""AWS Budgets inventory: the environment's monthly cost budget and its notifications (a global service)."""

from __future__ import annotations

from envmatrix.aws.identity import caller
from envmatrix.aws.reading import or_none, reading
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

MISSING = ("NotFoundException",)


class Notification(Model):
    kind: str  # ACTUAL or FORECASTED
    comparison: str
    threshold: float
    threshold_type: str  # PERCENTAGE (of the limit) or ABSOLUTE_VALUE


class Budget(Model):
    name: str
    budget_type: str
    time_unit: str
    limit_amount: float | None
    limit_unit: str | None
    notifications: list[Notification]


class BudgetsInventory(Model):
    budget: Budget | None


def fetch(target: AwsTarget) -> BudgetsInventory:
    """DescribeBudget by name, then its notifications (both need the account id: the shared caller identity)."""
    name = target.names.budget
    account = str(caller(target)["Account"])
    client = target.clients.client("budgets")
    with reading(target.env, f"budget {name}"):
        answer = or_none(lambda: client.describe_budget(AccountId=account, BudgetName=name), *MISSING)
        if answer is None:
            return BudgetsInventory(budget=None)
        raw = answer["Budget"]
        pages = client.get_paginator("describe_notifications_for_budget").paginate(AccountId=account,
                                                                                  BudgetName=name)
        notes = [item for page in pages for item in page.get("Notifications", [])]
    limit = raw.get("BudgetLimit") or {}
    return BudgetsInventory(budget=Budget(
        name=raw["BudgetName"], budget_type=raw.get("BudgetType", ""), time_unit=raw.get("TimeUnit", ""),
        limit_amount=float(limit["Amount"]) if "Amount" in limit else None, limit_unit=limit.get("Unit"),
        notifications=[Notification(kind=item.get("NotificationType", ""),
                                    comparison=item.get("ComparisonOperator", ""),
                                    threshold=float(item.get("Threshold", 0)),
                                    threshold_type=item.get("ThresholdType", "PERCENTAGE")) for item in notes]))


#: a global service; the account id from the shared caller identity (the identity section's operation)
SECTION = Section("budgets", fetch, BudgetsInventory, services=("budgets", "sts"), operations=(
    ("budgets", "DescribeBudget"),
    ("budgets", "DescribeNotificationsForBudget"),
))
