"""Real shapes for last month's cost: Cost Explorer's GetCostAndUsage, grouped by the environment tag."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from envmatrix.aws import costs, snapshot
from envmatrix.errors import InventoryUnavailable
from tests.shapes.harness import StubbedClients, judge, snapshot_of, target

COST = "checks/live/test_cost.py"
TODAY = dt.date(2026, 11, 25)
#: what GetCostAndUsage is asked for on TODAY: October 2026, End exclusive, grouped by the Environment tag
REQUEST = {"TimePeriod": {"Start": "2026-10-01", "End": "2026-11-01"}, "Granularity": "MONTHLY",
           "Metrics": ["UnblendedCost"], "GroupBy": [{"Type": "TAG", "Key": "Environment"}]}


def _group(key: str, amount: str) -> dict[str, Any]:
    """One group as AWS writes it: ``<TagKey>$<value>``, the amount a decimal string with many digits."""
    return {"Keys": [key], "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}}


def _page(groups: list[dict[str, Any]], *, estimated: bool = False, token: str | None = None) -> dict[str, Any]:
    """A GetCostAndUsage answer: GroupBy answers leave Total empty; DimensionValueAttributes is empty for TAG."""
    page: dict[str, Any] = {
        "GroupDefinitions": [{"Type": "TAG", "Key": "Environment"}],
        "ResultsByTime": [{"TimePeriod": {"Start": "2026-10-01", "End": "2026-11-01"}, "Total": {},
                           "Groups": groups, "Estimated": estimated}],
        "DimensionValueAttributes": []}
    if token:
        page["NextPageToken"] = token
    return page


#: The month of a real account: every environment's line and the shared costs nobody tagged ("Environment$").
MONTH = [_group("Environment$", "41.2786530021"), _group("Environment$dev", "74.6318227104"),
         _group("Environment$production", "3912.4471214853"), _group("Environment$staging", "362.1895013377")]


def _fetch(env: str, *pages: dict[str, Any], clients: StubbedClients | None = None) -> costs.CostsInventory:
    clients = clients or StubbedClients(env)
    stub = clients.stub("ce")
    params = dict(REQUEST)
    for page in pages:
        stub.add_response("get_cost_and_usage", page, dict(params))
        if "NextPageToken" in page:
            params = {**REQUEST, "NextPageToken": page["NextPageToken"]}
    inventory = costs.fetch(target(env, clients), today=TODAY)
    clients.verify()
    return inventory


def _judge(env: str, inventory: costs.CostsInventory) -> Any:
    return judge(COST, "COST-LAST-MONTH", env, snapshot_of(env, costs=inventory))


@pytest.mark.parametrize(("today", "start", "end"), [
    (dt.date(2026, 11, 25), "2026-10-01", "2026-11-01"),
    (dt.date(2026, 3, 1), "2026-02-01", "2026-03-01"),  # the first of the month: the month just closed
    (dt.date(2026, 1, 31), "2025-12-01", "2026-01-01"),  # across the year
])
def test_last_full_month_is_the_calendar_month_before_today(today: dt.date, start: str, end: str) -> None:
    assert tuple(day.isoformat() for day in costs.last_full_month(today)) == (start, end)


@pytest.mark.parametrize("env", ["dev", "staging", "production"])
def test_each_environment_within_its_range_is_green(env: str) -> None:
    """One period, the untagged group present (and ignored), amounts as strings with ten decimals."""
    inventory = _fetch(env, _page(MONTH))
    assert inventory.group_key == f"Environment${env}" and inventory.month == "2026-10"
    verdict = _judge(env, inventory)
    assert verdict.passed, verdict.message


def test_the_amount_is_read_as_a_decimal() -> None:
    inventory = _fetch("production", _page(MONTH))
    assert inventory.cost is not None
    assert inventory.cost.amount == pytest.approx(3912.4471214853) and inventory.cost.unit == "USD"
    assert [ev.actual for ev in _judge("production", inventory).evidence] == ["$3,912 USD (2026-10)"]


def test_dimension_value_attributes_are_ignored() -> None:
    """Attributes describe dimension values (a linked account's name); a tag grouping's figure is in Groups."""
    page = {**_page(MONTH), "DimensionValueAttributes": [
        {"Value": "210987654321", "Attributes": {"description": "taskmanager-production"}}]}
    assert _judge("production", _fetch("production", page)).passed


def test_groups_spread_over_pages_are_all_read() -> None:
    """Cost Explorer pages a grouped answer with NextPageToken, repeating the month with further groups."""
    inventory = _fetch("production", _page(MONTH[:2], token="AQICAHh0ZXh0"), _page(MONTH[2:]))
    assert inventory.cost is not None and inventory.cost.amount == pytest.approx(3912.4471214853)
    assert _judge("production", inventory).passed


def test_a_stuck_page_token_stops_the_reading() -> None:
    """Every page is a paid request: a token answered again is an error, not another request."""
    clients = StubbedClients("production")
    stub = clients.stub("ce")
    stub.add_response("get_cost_and_usage", _page(MONTH[:1], token="AQICAHh0ZXh0"), REQUEST)
    stub.add_response("get_cost_and_usage", _page(MONTH[1:2], token="AQICAHh0ZXh0"),
                      {**REQUEST, "NextPageToken": "AQICAHh0ZXh0"})
    with pytest.raises(ValueError, match="same NextPageToken"):
        costs.fetch(target("production", clients), today=TODAY)
    clients.verify()


def test_an_estimated_month_is_still_the_months_figure() -> None:
    """In a month's first days AWS still marks the closed month Estimated: it is the figure to judge."""
    inventory = _fetch("staging", _page(MONTH, estimated=True))
    verdict = _judge("staging", inventory)
    assert inventory.estimated and verdict.passed, verdict.message
    assert verdict.evidence[0].actual == "$362 USD (2026-10, estimated)"


def test_within_the_tolerance_above_the_range_is_green() -> None:
    month = [_group("Environment$staging", "409.3321870012")]  # ~$380 + 10% = $418
    assert _judge("staging", _fetch("staging", _page(month))).passed


def test_far_above_the_range_is_red() -> None:
    verdict = _judge("production", _fetch("production", _page([_group("Environment$production", "6912.08")])))
    assert not verdict.passed
    assert verdict.message == ("production COST-LAST-MONTH cost:Environment=production.UnblendedCost: expected "
                               "~$2,210-$5,450 USD (within 10%: $1,989-$5,995), got $6,912 USD (2026-10)")


def test_below_the_range_is_red() -> None:
    verdict = _judge("dev", _fetch("dev", _page([_group("Environment$dev", "12.5")])))
    assert not verdict.passed and "got $12 USD (2026-10)" in verdict.message  # Python rounds half to even


def test_an_environment_missing_from_the_groups_is_red() -> None:
    """A running environment that costs nothing: its tag is not activated as a cost allocation tag."""
    verdict = _judge("production", _fetch("production", _page([MONTH[0], MONTH[1]])))
    assert not verdict.passed
    assert ("production COST-LAST-MONTH cost:Environment=production.UnblendedCost: expected ~$2,210-$5,450 USD "
            "(within 10%: $1,989-$5,995), got no cost recorded for tag Environment=production in 2026-10"
            in verdict.message)
    assert "activated as a cost allocation tag" in verdict.message


def test_nothing_recorded_at_all_is_red() -> None:
    """No groups (a month Cost Explorer holds nothing for) never passes."""
    verdict = _judge("dev", _fetch("dev", _page([])))
    assert not verdict.passed and "no cost recorded for tag Environment=dev" in verdict.message


def test_the_configured_tag_key_and_short_name_are_asked_for() -> None:
    clients = StubbedClients("production")
    clients.stub("ce").add_response("get_cost_and_usage", _page([_group("env$prod", "3001.5")]),
                                    {**REQUEST, "GroupBy": [{"Type": "TAG", "Key": "env"}]})
    tagged = target("production", clients)
    inventory = costs.fetch(type(tagged)(tagged.env, tagged.names, tagged.clients, tagged.wants, ("env", "prod")),
                            today=TODAY)
    clients.verify()
    assert inventory.group_key == "env$prod" and inventory.cost is not None
    verdict = _judge("production", inventory)
    assert verdict.passed and verdict.evidence[0].resource == "cost:env=prod"


def test_environments_read_together_share_one_request() -> None:
    """Each request costs $0.01: one per run, every environment's group taken from the same answer."""
    clients = StubbedClients("dev")
    first = _fetch("dev", _page(MONTH), clients=clients)
    second = costs.fetch(target("production", clients), today=TODAY)  # nothing further queued: no second call
    assert first.cost is not None and second.cost is not None
    assert (first.cost.amount, second.cost.amount) == pytest.approx((74.6318227104, 3912.4471214853))


@pytest.mark.parametrize(("code", "reason"), [
    ("AccessDeniedException", "access denied: AccessDeniedException"),
    ("DataUnavailableException", "Cost Explorer has no data"),
])
def test_a_refused_request_fails_closed(code: str, reason: str, monkeypatch: pytest.MonkeyPatch) -> None:
    clients = StubbedClients("staging")
    clients.stub("ce").add_client_error("get_cost_and_usage", code, "User not enabled for cost explorer access", 400,
                                        expected_params=REQUEST)
    with pytest.raises(InventoryUnavailable, match=reason):
        costs.fetch(target("staging", clients), today=TODAY)
    monkeypatch.setattr(snapshot, "SECTIONS", tuple(s for s in snapshot.SECTIONS if s.name == "costs"))
    monkeypatch.setattr(costs, "utc_today", lambda: TODAY)  # the snapshot asks for no date
    clients = StubbedClients("staging")
    clients.stub("ce").add_client_error("get_cost_and_usage", code, "User not enabled for cost explorer access", 400,
                                        expected_params=REQUEST)
    taken = snapshot.take_snapshot(target("staging", clients), "shapes")
    assert set(taken.unavailable) == {"costs"} and reason in taken.unavailable["costs"][1]
    with pytest.raises(InventoryUnavailable, match=reason):
        judge(COST, "COST-LAST-MONTH", "staging", taken)


def test_china_reads_cost_explorer_in_its_own_partition() -> None:
    clients = StubbedClients("production", region="cn-north-1")
    clients.stub("ce", "cn-northwest-1").add_response("get_cost_and_usage", _page(MONTH), REQUEST)
    inventory = costs.fetch(target("production", clients), today=TODAY)
    clients.verify()
    assert inventory.cost is not None


def test_govcloud_has_no_cost_explorer_and_says_so() -> None:
    clients = StubbedClients("production", region="us-gov-west-1")  # nothing queued: no request may be made
    with pytest.raises(InventoryUnavailable, match="no endpoint in partition aws-us-gov"):
        costs.fetch(target("production", clients), today=TODAY)
