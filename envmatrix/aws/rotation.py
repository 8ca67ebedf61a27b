"""Secrets Manager rotation schedules: the longest interval a ``rate(...)`` or ``cron(...)`` expression allows.

Secrets Manager takes ``rate(N days)`` / ``rate(N hours)`` or the AWS (EventBridge) cron dialect: six fields
``minutes hours day-of-month month day-of-week year``, ``?`` for "any", day-of-week 1-7 = SUN-SAT, ``L``, ``W``
and ``#``. No common library speaks that dialect (croniter and friends use 0-6 and five fields), so the days it
fires on are worked out here, at day granularity: the gap between two firing days bounds the rotation interval.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

RATE = re.compile(r"^rate\((\d+) (hours?|days?)\)$")
CRON = re.compile(r"^cron\((.+)\)$")
MONTHS = {name.upper(): index for index, name in enumerate(calendar.month_abbr) if name}
WEEKDAYS = {name: index for index, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
#: Long enough to see every month length, leap years and weekday alignments more than once.
HORIZON_YEARS = 8


class UnreadableSchedule(ValueError):
    """A schedule expression this module cannot read (it must fail the check, never pass it)."""


def longest_interval(expression: str, start: dt.date | None = None) -> dt.timedelta:
    """The longest time between two rotations the expression allows; UnreadableSchedule if it cannot be read."""
    text = expression.strip()
    rate = RATE.match(text)
    if rate:
        count, unit = int(rate.group(1)), rate.group(2)
        if count < 1:
            raise UnreadableSchedule(expression)
        return dt.timedelta(hours=count) if unit.startswith("hour") else dt.timedelta(days=count)
    cron = CRON.match(text)
    if not cron:
        raise UnreadableSchedule(expression)
    try:
        days = _firing_days(cron.group(1).split(), start or dt.date(2024, 1, 1))
    except (ValueError, KeyError, IndexError):
        raise UnreadableSchedule(expression) from None
    if len(days) < 2:
        raise UnreadableSchedule(expression)  # fires once or never: no period at all
    return max(later - earlier for earlier, later in zip(days, days[1:], strict=False))


def _firing_days(fields: list[str], start: dt.date) -> list[dt.date]:
    if len(fields) != 6:
        raise ValueError("an AWS cron expression has six fields")
    _values(fields[0], 0, 59, {})  # minutes and hours only place the rotation inside its day: validated only
    _values(fields[1], 0, 23, {})
    dom, month, dow, year = fields[2:]
    if (dom == "?") == (dow == "?"):
        raise ValueError("exactly one of day-of-month and day-of-week is '?'")
    months = _values(month, 1, 12, MONTHS)
    years = _values(year, 1970, 2199, {})
    found = []
    for offset in range(HORIZON_YEARS * 366):
        day = start + dt.timedelta(days=offset)
        if day.month in months and day.year in years and (_dom_matches(dom, day) if dow == "?" else
                                                          _dow_matches(dow, day)):
            found.append(day)
    return found


def _values(field: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    """Values of a plain field: ``*``, lists, ranges ``a-b``, steps ``*/n`` / ``a/n`` / ``a-b/n``, names."""
    result: set[int] = set()
    for part in field.upper().split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(part)
        if base in ("*", "?"):
            first, last = low, high
        elif "-" in base:
            first, last = (_number(item, names) for item in base.split("-", 1))
        else:
            first = _number(base, names)
            last = high if step_text else first
        if not low <= first <= last <= high:
            raise ValueError(part)
        result.update(range(first, last + 1, step))
    return result


def _number(text: str, names: dict[str, int]) -> int:
    return names[text] if text in names else int(text)


def _dom_matches(field: str, day: dt.date) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    text = field.upper()
    if text == "L":
        return day.day == last
    if text == "LW":
        return day == _nearest_weekday(day.replace(day=last))
    if text.endswith("W"):
        return day == _nearest_weekday(day.replace(day=min(int(text[:-1]), last)))
    return day.day in _values(text, 1, 31, {})


def _nearest_weekday(day: dt.date) -> dt.date:
    """AWS's ``nW``: the weekday nearest to day n, never leaving its month."""
    if day.weekday() == 5:  # Saturday -> Friday, or Monday when the 1st is a Saturday
        return day - dt.timedelta(days=1) if day.day > 1 else day + dt.timedelta(days=2)
    if day.weekday() == 6:  # Sunday -> Monday, or Friday when Sunday is the month's last day
        last = calendar.monthrange(day.year, day.month)[1]
        return day + dt.timedelta(days=1) if day.day < last else day - dt.timedelta(days=2)
    return day


def _dow_matches(field: str, day: dt.date) -> bool:
    aws_weekday = (day.isoweekday() % 7) + 1  # SUN=1 ... SAT=7
    text = field.upper()
    if "#" in text:
        weekday, nth = text.split("#")
        return aws_weekday == _number(weekday, WEEKDAYS) and (day.day - 1) // 7 + 1 == int(nth)
    if text.endswith("L") and text != "L":
        last = calendar.monthrange(day.year, day.month)[1]
        return aws_weekday == _number(text[:-1], WEEKDAYS) and day.day > last - 7
    return aws_weekday in _values("7" if text == "L" else text, 1, 7, WEEKDAYS)
