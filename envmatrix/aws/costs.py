"""Cost Explorer inventory: the last full month's cost of the environment, by its environment tag (one call a run)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from envmatrix.aws.reading import Once, error_code, reading
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model
from envmatrix.errors import InventoryUnavailable

#: Cost as billed, before discounts are spread (amortized) or rates blended across an organization's accounts:
#: the figure the seed's cost table estimates, and the same for a member account as for a standalone one.
METRIC = "UnblendedCost"
#: Cost Explorer answers from one endpoint per partition (botocore resolves ce.<partition region>);
#: GovCloud and the isolated partitions have none: their costs are read through the linked standard account.
CE_REGIONS: dict[str, str] = {"aws": "us-east-1", "aws-cn": "cn-northwest-1"}
DATA_UNAVAILABLE = "DataUnavailableException"


class MonthCost(Model):
    """One tag value's cost over the month, as Cost Explorer grouped it."""

    amount: float
    unit: str


class CostsInventory(Model):
    tag_key: str
    tag_value: str
    month: str  # YYYY-MM, the last full calendar month
    metric: str
    #: AWS may still revise a closed month's figure in the first days of the next: it is still that month's figure
    estimated: bool
    cost: MonthCost | None  # None: no cost recorded under the environment's tag value

    @property
    def group_key(self) -> str:
        """How Cost Explorer names the group: ``<TagKey>$<value>`` (``<TagKey>$`` holds the untagged cost)."""
        return f"{self.tag_key}${self.tag_value}"


class Bill(Model):
    """One GetCostAndUsage answer, all pages: the month's cost per group key (every environment's at once)."""

    month: str
    estimated: bool
    groups: dict[str, MonthCost]


#: Environments read through the same clients share one GetCostAndUsage (each request costs $0.01).
_BILLS = Once()


def utc_today() -> dt.date:
    """Cost Explorer's days are UTC days."""
    return dt.datetime.now(dt.UTC).date()


def last_full_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """(first day of last month, first day of this month): Cost Explorer's End is exclusive."""
    end = today.replace(day=1)
    return (end - dt.timedelta(days=1)).replace(day=1), end


@cache
def _partition_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    from botocore.loaders import Loader

    return tuple((str(item["id"]), re.compile(str(item["regionRegex"])))
                 for item in Loader().load_data("partitions")["partitions"])


def partition_of(region: str) -> str:
    """The partition a region belongs to (botocore's partition data, as for ARNs); "aws" when none matches."""
    return next((name for name, pattern in _partition_patterns() if pattern.match(region)), "aws")


def ce_region(env: str, region: str) -> str:
    """The region of the partition's Cost Explorer endpoint; InventoryUnavailable where the partition has none."""
    partition = partition_of(region)
    if partition not in CE_REGIONS:
        raise InventoryUnavailable(env, f"cost ({METRIC}, ce:GetCostAndUsage)",
                                   f"Cost Explorer has no endpoint in partition {partition} (region {region}): "
                                   "read the account's costs through its linked standard AWS account")
    return CE_REGIONS[partition]


def _amount(group: dict[str, Any]) -> tuple[Decimal, str]:
    """The group's amount (a decimal string, e.g. "3912.4471214853") and unit; no amount is "could not read"."""
    metric = (group.get("Metrics") or {}).get(METRIC) or {}
    try:
        return Decimal(str(metric["Amount"])), str(metric.get("Unit", ""))
    except (KeyError, InvalidOperation):
        raise ValueError(f"Cost Explorer group {group.get('Keys')} has no {METRIC} amount") from None


def _bill(pages: list[dict[str, Any]], month: str) -> Bill:
    """Groups of every page (a page may repeat the month with further groups); amounts of one key add up."""
    totals: dict[str, Decimal] = {}
    units: dict[str, str] = {}
    estimated = False
    for page in pages:
        for period in page.get("ResultsByTime", []):
            estimated = estimated or bool(period.get("Estimated"))
            for group in period.get("Groups", []):
                key = "".join(group.get("Keys", [])[:1])
                amount, units[key] = _amount(group)
                totals[key] = totals.get(key, Decimal(0)) + amount
    groups = {key: MonthCost(amount=float(total), unit=units[key]) for key, total in totals.items()}
    return Bill(month=month, estimated=estimated, groups=groups)


def _ask(client: Any, env: str, tag_key: str, start: dt.date, end: dt.date) -> Bill:
    params: dict[str, Any] = {"TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
                              "Granularity": "MONTHLY", "Metrics": [METRIC],
                              "GroupBy": [{"Type": "TAG", "Key": tag_key}]}
    from botocore.exceptions import ClientError  # botocore: only when the live layer reads

    resource = f"cost by tag {tag_key} ({METRIC}, {start:%Y-%m})"
    pages: list[dict[str, Any]] = []
    with reading(env, resource):
        try:
            while True:  # botocore has no paginator for GetCostAndUsage
                page = client.get_cost_and_usage(**params)
                pages.append(page)
                token = page.get("NextPageToken")
                if not token:
                    break
                if token == params.get("NextPageToken"):  # each page costs $0.01: never loop on a stuck token
                    raise ValueError("Cost Explorer returned the same NextPageToken twice")
                params["NextPageToken"] = token
        except ClientError as exc:
            if error_code(exc) != DATA_UNAVAILABLE:
                raise
            raise InventoryUnavailable(env, resource, "Cost Explorer has no data (DataUnavailableException): "
                                       "enable Cost Explorer for the account; data appears within 24 hours") from None
    return _bill(pages, f"{start:%Y-%m}")


def fetch(target: AwsTarget, today: dt.date | None = None) -> CostsInventory:
    """The environment's cost last month: one GetCostAndUsage (MONTHLY, grouped by the tag) shared by all."""
    tag_key, tag_value = target.environment_tag or ("Environment", target.env)
    start, end = last_full_month(today or utc_today())
    client = target.clients.client("ce", ce_region(target.env, target.clients.region))
    bill: Bill = _BILLS.get((id(client), tag_key, start), lambda: _ask(client, target.env, tag_key, start, end),
                            client)
    return CostsInventory(tag_key=tag_key, tag_value=tag_value, month=bill.month, metric=METRIC,
                          estimated=bill.estimated, cost=bill.groups.get(f"{tag_key}${tag_value}"))


#: one call shared by every environment; its client is made in its partition's Cost Explorer region
SECTION = Section("costs", fetch, CostsInventory, services=(), operations=(
    ("ce", "GetCostAndUsage"),
))
