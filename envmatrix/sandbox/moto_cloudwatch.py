"""Composite alarms for the sandbox's moto server: ``PutCompositeAlarm`` stores one, ``DescribeAlarms`` lists it.

moto 5.2 keeps a composite alarm's ``AlarmRule`` in its model and lists alarms with a rule under
``CompositeAlarms`` (shaped as botocore's ``CompositeAlarm``), but has no ``PutCompositeAlarm`` action (it answers
500). This adds the action, stored through the backend call ``PutMetricAlarm`` uses, so a deployment that alerts
through a composite alarm can be built.
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    """Give moto's CloudWatch responses the action (in this server process only)."""
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import EmptyResult

    if hasattr(CloudWatchResponse, "put_composite_alarm"):
        return

    def put_composite_alarm(self: Any) -> Any:
        self.cloudwatch_backend.put_metric_alarm(
            name=self._get_param("AlarmName"), namespace=None, metric_name=None, comparison_operator=None,
            evaluation_periods=None, period=None, threshold=None, statistic=None,
            description=self._get_param("AlarmDescription"), dimensions=[],
            alarm_actions=self._get_param("AlarmActions", []), ok_actions=self._get_param("OKActions", []),
            insufficient_data_actions=self._get_param("InsufficientDataActions", []),
            actions_enabled=self._get_bool_param("ActionsEnabled", True), rule=self._get_param("AlarmRule"),
            tags=self._get_param("Tags", []))
        return EmptyResult()

    CloudWatchResponse.put_composite_alarm = put_composite_alarm  # type: ignore[attr-defined]
