"""Trend arithmetic over a metric's entries: moving average, weekly rate of change,
projection to a goal, period against period, and a client against their coach's cohort.

Pure functions on (moment, value) points, oldest first, in stored units.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

Point = tuple[datetime, float]

AVERAGE_DAYS = 7
RATE_WINDOW_DAYS = 28  # the weekly rate is the trend of the last four weeks
MIN_RATE_SPAN_DAYS = 4  # fewer days of data than this say nothing about a trend
PROJECTION_HORIZON_DAYS = 730  # "in nine years" is no projection worth drawing
COHORT_MINIMUM = 5  # fewer clients than this could be recognised: show nothing


def daily_means(points: Sequence[Point], timezone: str = "UTC") -> list[Point]:
    """One point per local day: the mean of that day's entries, at its last entry. Two
    weigh-ins on one day are one day's weight, not a step in the average line."""
    zone = ZoneInfo(timezone)
    days: dict[object, list[Point]] = {}
    for moment, value in points:
        days.setdefault(moment.astimezone(zone).date(), []).append((moment, value))
    return [
        (same_day[-1][0], statistics.fmean(value for _, value in same_day))
        for same_day in days.values()
    ]


def moving_average(points: Sequence[Point], days: int = AVERAGE_DAYS) -> list[Point]:
    """At each entry, the mean of the entries of the `days` days up to it (trailing): it
    follows the data without looking ahead, and smooths daily water-weight swings."""
    averaged: list[Point] = []
    window = timedelta(days=days)
    start = 0
    total = 0.0
    for end, (moment, value) in enumerate(points):
        total += value
        while points[start][0] <= moment - window:
            total -= points[start][1]
            start += 1
        averaged.append((moment, total / (end - start + 1)))
    return averaged


def weekly_rate(
    points: Sequence[Point], now: datetime, window_days: int = RATE_WINDOW_DAYS
) -> float | None:
    """Change per week: the least-squares slope over the last `window_days` days. None
    without at least two entries spread over `MIN_RATE_SPAN_DAYS` days."""
    recent = [(t, v) for t, v in points if t >= now - timedelta(days=window_days)]
    if len(recent) < 2:
        return None
    days = [(t - recent[0][0]).total_seconds() / 86400 for t, _ in recent]
    if days[-1] - days[0] < MIN_RATE_SPAN_DAYS:
        return None
    values = [v for _, v in recent]
    slope = statistics.linear_regression(days, values).slope
    return slope * 7


def projected_date(
    current: float, rate_per_week: float | None, target: float, now: datetime
) -> datetime | None:
    """When `target` is reached at the current rate; None when the trend is flat, leads
    away from it, or takes longer than two years."""
    if rate_per_week is None or rate_per_week == 0:
        return None
    weeks = (target - current) / rate_per_week
    if weeks < 0:
        return None
    if weeks * 7 > PROJECTION_HORIZON_DAYS:
        return None
    return now + timedelta(weeks=weeks)


def projection(
    average: Sequence[Point], rate_per_week: float | None, target: float
) -> tuple[Point, Point] | None:
    """The line from the latest 7-day average to the target at the current rate, the way
    the chart draws it and every text states it; None when it does not get there."""
    if not average:
        return None
    moment, value = average[-1]
    reached = projected_date(value, rate_per_week, target, moment)
    return ((moment, value), (reached, target)) if reached is not None else None


@dataclass(frozen=True)
class PeriodStats:
    start: datetime
    end: datetime
    count: int
    mean: float | None
    first: float | None
    last: float | None

    @property
    def change(self) -> float | None:
        if self.first is None or self.last is None or self.count < 2:
            return None
        return self.last - self.first


def period_stats(points: Sequence[Point], start: datetime, end: datetime) -> PeriodStats:
    """Entries from `start` (inclusive) to `end` (exclusive)."""
    inside = [v for t, v in points if start <= t < end]
    return PeriodStats(
        start=start,
        end=end,
        count=len(inside),
        mean=statistics.fmean(inside) if inside else None,
        first=inside[0] if inside else None,
        last=inside[-1] if inside else None,
    )


@dataclass(frozen=True)
class PeriodComparison:
    current: PeriodStats
    previous: PeriodStats

    @property
    def difference(self) -> float | None:
        """How much the current period's mean differs from the previous one's."""
        if self.current.mean is None or self.previous.mean is None:
            return None
        return self.current.mean - self.previous.mean


@dataclass(frozen=True)
class CohortSummary:
    """The coach's clients, anonymised: only their count and quartiles are known."""

    clients: int
    lower_quartile: float
    median: float
    upper_quartile: float
    own: float | None  # the client's own value, when they have one


def cohort_summary(values: Sequence[float], own: float | None) -> CohortSummary | None:
    """Quartiles of the cohort's values; None below `COHORT_MINIMUM` clients, so no one
    can be recognised in the figures."""
    if len(values) < COHORT_MINIMUM:
        return None
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return CohortSummary(len(values), q1, median, q3, own)
