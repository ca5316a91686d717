"""Monthly progress reports on a schedule, and the generated files sent through the
outbox (reports, exports), kept encrypted until they are delivered and then deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

REPORT_HOUR = time(9, 0)  # local time the monthly report arrives on the 1st
FILE_RETENTION = timedelta(days=3)  # a generated file waits this long for delivery
SEND_WITHIN = timedelta(days=2)  # after that its message is missed, not sent late


@dataclass
class ReportPlan:
    """Whether a client gets a monthly report, and when the next one is due."""

    client_id: int
    coach_id: int
    active: bool
    updated_at: datetime
    next_due_at: datetime | None = None


@dataclass
class GeneratedFile:
    """A report or export stored encrypted until its outbox message is sent."""

    client_id: int
    kind: str  # "report" or "export"
    blob_key: str
    filename: str
    size: int
    created_at: datetime
    delete_after: datetime
    id: int | None = None


def first_of_next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def next_report_due(now: datetime, timezone: str) -> datetime:
    """09:00 local on the first day of the next month, in UTC."""
    zone = ZoneInfo(timezone)
    local_today = now.astimezone(zone).date()
    first = first_of_next_month(local_today)
    return datetime.combine(first, REPORT_HOUR, tzinfo=zone).astimezone(UTC)


def previous_month(due: datetime, timezone: str) -> tuple[date, date]:
    """The calendar month before the local date of `due`: (first day, last day)."""
    local = due.astimezone(ZoneInfo(timezone)).date()
    last = local.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def local_bounds(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC moments from the start of `start` to the end of `end` (exclusive), local."""
    zone = ZoneInfo(timezone)
    begin = datetime.combine(start, time(0), tzinfo=zone).astimezone(UTC)
    finish = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return begin, finish
