"""When a client's check-ins are due, correct across daylight-saving changes.

A schedule names local calendar *dates* (every Monday and Thursday, every 10 days, or a
coach's RRULE) and one wall-clock time. Each occurrence is that date at that time in the
client's IANA zone, converted to UTC only at the end:

- 08:00 stays 08:00 local all year, so its UTC time moves by an hour at each change;
- a time that does not exist that day (the spring-forward gap, 02:30 in Berlin on
  29 March 2026) is due at the first moment after it, when the clocks jump (03:00 CEST);
  where the gap crosses midnight (America/Nuuk jumps from Saturday 23:00 to Sunday
  00:00) that moment is on the next date, which then has two check-ins;
- a time that happens twice (the autumn fall-back) is due once, at its first occurrence.

`dateutil.rrule` is used only to produce dates: given aware datetimes it keeps the UTC
offset of DTSTART, so 08:00 drifts to 07:00 or 09:00 after a change. Nothing is cached
between calls, so a client who moves to another zone simply gets the next due moment
computed in the new one.

A refused schedule raises `InvalidSchedule` (in `rrules`, with the coach's own rules)
with a code and parameters; the bot turns them into a localized explanation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from coachbot.domain.checkins.rrules import (
    HORIZON,
    InvalidSchedule,
    parse_rule,
    plus_days,
    rule_dates,
    rule_parts,
)

MIN_INTERVAL_DAYS = 1
MAX_INTERVAL_DAYS = 90


class Frequency(StrEnum):
    weekly = "weekly"
    every_n_days = "every_n_days"
    rrule = "rrule"


@dataclass(frozen=True, kw_only=True)
class CheckinSchedule:
    """When check-ins fall due: local dates from `frequency` at `local_time`.

    Only the fields of the chosen frequency may differ from their defaults. Weekdays are
    stored sorted and unique, and a rule in its normalised form (see `parse_rule`).
    """

    frequency: Frequency
    local_time: time  # wall-clock time in the client's zone, e.g. time(8, 0)
    starts_on: date  # first possible day; the anchor of every-N-days and of a rule
    weekdays: tuple[int, ...] = ()  # weekly: 0 = Monday .. 6 = Sunday
    interval_days: int = 7  # every_n_days: MIN_INTERVAL_DAYS .. MAX_INTERVAL_DAYS
    rule: str | None = None  # rrule: RRULE text without DTSTART

    def __post_init__(self) -> None:
        try:
            frequency = Frequency(self.frequency)
        except (ValueError, TypeError):
            raise InvalidSchedule("bad_frequency", frequency=self.frequency) from None
        object.__setattr__(self, "frequency", frequency)
        _check_time(self.local_time)
        if not isinstance(self.starts_on, date) or isinstance(self.starts_on, datetime):
            raise InvalidSchedule("bad_start")
        relevant = {
            Frequency.weekly: "weekdays",
            Frequency.every_n_days: "interval_days",
            Frequency.rrule: "rule",
        }[frequency]
        unused = {
            "weekdays": bool(self.weekdays),
            "interval_days": self.interval_days != 7,
            "rule": self.rule is not None,
        }
        for name, is_set in unused.items():
            if name != relevant and is_set:
                raise InvalidSchedule("irrelevant_field", field=name)
        if frequency is Frequency.weekly:
            object.__setattr__(self, "weekdays", _check_weekdays(self.weekdays))
        elif frequency is Frequency.every_n_days:
            days = self.interval_days
            if (
                not isinstance(days, int)
                or isinstance(days, bool)
                or not MIN_INTERVAL_DAYS <= days <= MAX_INTERVAL_DAYS
            ):
                raise InvalidSchedule(
                    "bad_interval", minimum=MIN_INTERVAL_DAYS, maximum=MAX_INTERVAL_DAYS
                )
        else:
            if not isinstance(self.rule, str):
                raise InvalidSchedule("bad_rule")
            object.__setattr__(self, "rule", parse_rule(self.rule, starts_on=self.starts_on))

    @classmethod
    def weekly(cls, weekdays: Iterable[int], local_time: time, starts_on: date) -> CheckinSchedule:
        return cls(
            frequency=Frequency.weekly,
            weekdays=tuple(weekdays),
            local_time=local_time,
            starts_on=starts_on,
        )

    @classmethod
    def every(cls, days: int, local_time: time, starts_on: date) -> CheckinSchedule:
        return cls(
            frequency=Frequency.every_n_days,
            interval_days=days,
            local_time=local_time,
            starts_on=starts_on,
        )

    @classmethod
    def custom(cls, rule_text: str, local_time: time, starts_on: date) -> CheckinSchedule:
        return cls(
            frequency=Frequency.rrule, rule=rule_text, local_time=local_time, starts_on=starts_on
        )

    def to_data(self) -> dict[str, Any]:
        """JSON primitives: frequency, local_time "HH:MM", starts_on ISO date, and the
        field of the frequency (weekdays list, interval_days or rule)."""
        data: dict[str, Any] = {
            "frequency": self.frequency.value,
            "local_time": self.local_time.strftime("%H:%M"),
            "starts_on": self.starts_on.isoformat(),
        }
        if self.frequency is Frequency.weekly:
            data["weekdays"] = list(self.weekdays)
        elif self.frequency is Frequency.every_n_days:
            data["interval_days"] = self.interval_days
        else:
            data["rule"] = self.rule
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> CheckinSchedule:
        """The schedule `to_data` stored; raises InvalidSchedule ("bad_data" if malformed)."""
        try:
            fields: dict[str, Any] = {
                "frequency": Frequency(data["frequency"]),
                "local_time": time.fromisoformat(data["local_time"]),
                "starts_on": date.fromisoformat(data["starts_on"]),
            }
            if "weekdays" in data:
                fields["weekdays"] = tuple(data["weekdays"])
            for name in ("interval_days", "rule"):
                if name in data:
                    fields[name] = data[name]
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidSchedule("bad_data", detail=str(error)) from None
        return cls(**fields)


def next_due(schedule: CheckinSchedule, *, after: datetime, timezone: str) -> datetime | None:
    """The first due moment strictly after `after` (aware) for a client in IANA zone
    `timezone`, as aware UTC; None when the schedule has no further occurrence (a rule's
    COUNT or UNTIL is used up, or nothing within HORIZON). An occurrence later on the
    same local day as `after` counts."""
    _require_aware(after, "after")
    after = after.astimezone(UTC)  # a repeated local time never equals another zone's
    zone = ZoneInfo(timezone)
    last_day = plus_days(max(after.astimezone(zone).date(), schedule.starts_on), HORIZON)
    return next(_moments(schedule, after, zone, last_day), None)


def due_times(
    schedule: CheckinSchedule, *, after: datetime, until: datetime, timezone: str
) -> list[datetime]:
    """Every due moment in (after, until], in order, as aware UTC."""
    _require_aware(after, "after")
    _require_aware(until, "until")
    after, until = after.astimezone(UTC), until.astimezone(UTC)
    if until <= after:
        return []
    zone = ZoneInfo(timezone)
    last_day = plus_days(until.astimezone(zone).date(), timedelta(days=1))  # gaps cross midnight
    moments = []
    for moment in _moments(schedule, after, zone, last_day):
        if moment > until:
            break
        moments.append(moment)
    return moments


def resume_due(
    schedule: CheckinSchedule, *, resumed_at: datetime, timezone: str
) -> datetime | None:
    """The next due moment once check-ins are resumed after a pause.

    Check-ins missed while paused are not owed: the client gets the first occurrence
    strictly after `resumed_at`, never a burst of the backlog. The schedule keeps its
    rhythm (an every-10-days schedule stays aligned on `starts_on`).
    """
    return next_due(schedule, after=resumed_at, timezone=timezone)


def outside_quiet_hours(
    at: datetime, *, timezone: str, quiet_start: time, quiet_end: time
) -> datetime:
    """`at` (as aware UTC) if it is outside the client's quiet hours, else their end.

    The window is local wall-clock time and may cross midnight (22:00-07:00); equal
    start and end mean no quiet hours. Like check-ins, each bound is the first moment
    the clock shows it: a bound in a spring-forward gap is the jump, and a repeated
    autumn time counts at its first occurrence.
    """
    _require_aware(at, "at")
    _check_time(quiet_start, whole_minutes=False)
    _check_time(quiet_end, whole_minutes=False)
    at = at.astimezone(UTC)
    if quiet_start == quiet_end:
        return at
    zone = ZoneInfo(timezone)
    today = at.astimezone(zone).date()
    crosses_midnight = quiet_start > quiet_end
    for start_day in (today - timedelta(days=1), today):
        end_day = start_day + timedelta(days=1) if crosses_midnight else start_day
        start = local_moment(start_day, quiet_start, zone)
        end = local_moment(end_day, quiet_end, zone)
        if start <= at < end:
            return end
    return at


def local_moment(day: date, wall_time: time, zone: ZoneInfo) -> datetime:
    """`wall_time` on local `day` in `zone` as aware UTC: the first occurrence of a
    repeated time, and the moment the clocks jump for a time that does not exist."""
    wall = datetime.combine(day, wall_time)
    moment = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the earlier one
    if _wall(moment, zone) == wall:
        return moment
    return _jump_after(wall, zone)


def _jump_after(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant the clocks jump over the non-existent `wall` time.

    In a gap, fold=1 reads `wall` with the offset after the change, giving an instant
    before the jump, and fold=0 with the offset before it, giving one after; the jump is
    the first second in between whose local time is past `wall`.
    """
    before = math.floor(wall.replace(tzinfo=zone, fold=1).timestamp())
    after = math.ceil(wall.replace(tzinfo=zone, fold=0).timestamp())

    def past_wall(seconds: int) -> bool:
        return _wall(datetime.fromtimestamp(seconds, UTC), zone) > wall

    if past_wall(before) or not past_wall(after):  # not a simple gap: no better answer
        return datetime.fromtimestamp(after, UTC)
    while after - before > 1:
        middle = (before + after) // 2
        if past_wall(middle):
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


def _moments(
    schedule: CheckinSchedule, after: datetime, zone: ZoneInfo, last_day: date
) -> Iterator[datetime]:
    """Due moments strictly after `after`, in order, for local dates up to `last_day`."""
    # The day before too: a gap that crosses midnight moves a time to the next date.
    first = max(schedule.starts_on, plus_days(after.astimezone(zone).date(), timedelta(days=-1)))
    for day in _dates(schedule, first, last_day):
        moment = local_moment(day, schedule.local_time, zone)
        if moment > after:
            yield moment


def _dates(schedule: CheckinSchedule, first: date, last: date) -> Iterator[date]:
    """The schedule's local dates in [first, last], in order."""
    if schedule.frequency is Frequency.weekly:
        days = set(schedule.weekdays)
        day = first
        while day <= last:
            if day.weekday() in days:
                yield day
            day += timedelta(days=1)
    elif schedule.frequency is Frequency.every_n_days:
        step = schedule.interval_days
        skipped = max(0, (first - schedule.starts_on).days)
        day = schedule.starts_on + timedelta(days=-(-skipped // step) * step)
        while day <= last:
            yield day
            day += timedelta(days=step)
    else:
        assert schedule.rule is not None
        yield from rule_dates(rule_parts(schedule.rule), schedule.starts_on, first, last)


def _check_time(value: time, *, whole_minutes: bool = True) -> None:
    if not isinstance(value, time) or value.tzinfo is not None:
        raise InvalidSchedule("bad_time")
    if whole_minutes and (value.second or value.microsecond):
        raise InvalidSchedule("bad_time")


def _check_weekdays(weekdays: Iterable[int]) -> tuple[int, ...]:
    days = tuple(weekdays)
    if not days:
        raise InvalidSchedule("no_weekdays")
    for day in days:
        if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
            raise InvalidSchedule("bad_weekday", weekday=day)
    return tuple(sorted(set(days)))


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
