"""CloudWatch metrics inventory: the load balancer's request and 5XX counts over the SLA window (one call)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from envmatrix.aws.alb import find_load_balancer
from envmatrix.aws.reading import reading
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

NAMESPACE = "AWS/ApplicationELB"
#: query id -> metric; every one is a Sum per day
METRICS: dict[str, str] = {"requests": "RequestCount", "elb_5xx": "HTTPCode_ELB_5XX_Count",
                           "target_5xx": "HTTPCode_Target_5XX_Count"}
DAY = 86_400


class Availability(Model):
    """Sums over whole UTC days [start, end) of the ALB's requests and 5XX answers; availability = 1 - 5XX/requests."""

    load_balancer: str  # the LoadBalancer dimension (app/<name>/<id>)
    days: int
    start: str
    end: str
    requests: float
    elb_5xx: float
    target_5xx: float
    days_with_data: int
    #: every query's StatusCode was Complete once all pages were read ("" when so; else the codes seen)
    incomplete: str = ""

    @property
    def errors(self) -> float:
        return self.elb_5xx + self.target_5xx

    @property
    def ratio(self) -> float | None:
        """Observed availability (0..1); None without a single request in the window."""
        return 1 - self.errors / self.requests if self.requests > 0 else None


class MetricsInventory(Model):
    #: None where no SLA is documented (not read) or there is no load balancer to measure
    availability: Availability | None


def window(days: int, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The last ``days`` whole UTC days: daily periods line up with CloudWatch's day boundaries."""
    end = (now or dt.datetime.now(dt.UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    return end - dt.timedelta(days=days), end


def _queries(dimension: str) -> list[dict[str, Any]]:
    return [{"Id": query, "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": NAMESPACE, "MetricName": metric,
                   "Dimensions": [{"Name": "LoadBalancer", "Value": dimension}]},
        "Period": DAY, "Stat": "Sum"}} for query, metric in METRICS.items()]


def _collect(pages: Any) -> tuple[dict[str, float], set[str], str]:
    """Sums per query id, the days with data, and the last StatusCode of any query that was not Complete."""
    sums, days, status = dict.fromkeys(METRICS, 0.0), set[str](), dict[str, str]()
    for page in pages:
        for result in page.get("MetricDataResults", []):
            query = result.get("Id", "")
            if query in sums:
                sums[query] += sum(result.get("Values", []))
                days.update(str(stamp)[:10] for stamp in result.get("Timestamps", []))
                status[query] = result.get("StatusCode", "")
    incomplete = ", ".join(f"{query}: {code or 'no answer'}" for query in METRICS
                           if (code := status.get(query)) != "Complete")
    return sums, days, incomplete


def fetch(target: AwsTarget) -> MetricsInventory:
    """Every day's sums of the ALB's three metrics in one GetMetricData (paged by NextToken)."""
    days = target.wants.availability_days
    if days is None:
        return MetricsInventory(availability=None)
    raw = find_load_balancer(target)
    if raw is None:
        return MetricsInventory(availability=None)
    dimension = raw["LoadBalancerArn"].split(":loadbalancer/", 1)[-1]
    start, end = window(days)
    cloudwatch = target.clients.client("cloudwatch")
    with reading(target.env, f"CloudWatch {NAMESPACE} metrics of {target.names.alb}"):
        pages = cloudwatch.get_paginator("get_metric_data").paginate(
            MetricDataQueries=_queries(dimension), StartTime=start, EndTime=end, ScanBy="TimestampAscending")
        sums, seen, incomplete = _collect(pages)
    return MetricsInventory(availability=Availability(
        load_balancer=dimension, days=days, start=start.isoformat(), end=end.isoformat(),
        requests=sums["requests"], elb_5xx=sums["elb_5xx"], target_5xx=sums["target_5xx"],
        days_with_data=len(seen), incomplete=incomplete))


#: the ALB lookup is shared with the alb section (its operation is declared there)
SECTION = Section("metrics", fetch, MetricsInventory, services=("elbv2", "cloudwatch"), operations=(
    ("cloudwatch", "GetMetricData"),
))
