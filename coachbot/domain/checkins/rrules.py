"""A coach's own rhythm as an RFC 5545 RRULE: read, checked and normalised (`parse_rule`),
and its local dates (`rule_dates`). A refused rule, like any refused schedule, raises
`InvalidSchedule`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.rrule import rrule, rrulestr

from coachbot.domain.shared.errors import DomainError

MAX_RULE_LENGTH = 300
MAX_RULE_INTERVAL = 1000
# How far ahead a schedule is searched: a rule with no occurrence this soon after its
# start is refused ("rule_never_fires"), and `next_due` reports none beyond it.
HORIZON = timedelta(days=3653)  # ten years
_SUB_DAILY = frozenset({"HOURLY", "MINUTELY", "SECONDLY"})
_TIME_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")
_MIDNIGHT = time(0, 0)
_NEUTRAL_START = date(2000, 1, 1)  # checks a rule against when no start is given
_NUMBER = re.compile(r"[0-9]{1,9}")
_UNTIL = re.compile(r"([0-9]{8})(T[0-9]{6}Z?)?")


class InvalidSchedule(DomainError):
    """Codes: bad_frequency, bad_time, bad_start, no_weekdays, bad_weekday,
    bad_interval (minimum, maximum), bad_rule, rule_too_frequent (freq), rule_sets_time
    (part), rule_sets_start, rule_never_fires, irrelevant_field (field), bad_data."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def parse_rule(text: str, *, starts_on: date | None = None) -> str:
    """A coach's RRULE, checked and normalised; raises InvalidSchedule.

    Accepts "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", with or without a leading "RRULE:", in any
    case and with stray spaces. Returns dateutil's canonical text (upper case, FREQ
    first, no "RRULE:", no DTSTART); an UNTIL is kept as a date, inclusive. Refuses:
    unreadable text or INTERVAL < 1 (bad_rule), FREQ finer than DAILY (rule_too_frequent),
    BYHOUR/BYMINUTE/BYSECOND (rule_sets_time: the time is the schedule's local_time),
    DTSTART (rule_sets_start: the schedule's starts_on is the start), and a rule with no
    occurrence within HORIZON of `starts_on` (rule_never_fires). Without `starts_on`
    only rules that can never fire from a neutral start (COUNT=0, 30 February) are
    refused as never firing.
    """
    parts = rule_parts(text)
    anchor = datetime.combine(starts_on or _NEUTRAL_START, _MIDNIGHT)
    rule = _build_rule(parts, anchor, until=None)
    canonical = str(rule).splitlines()[-1].removeprefix("RRULE:")
    probe = dict(parts)
    if starts_on is None:  # an UNTIL only makes sense against a real start
        probe.pop("UNTIL", None)
    if not _fires(probe, anchor.date()):
        raise InvalidSchedule("rule_never_fires")
    return canonical


def _fires(parts: dict[str, str], start: date) -> bool:
    """Whether the rule has an occurrence within HORIZON of `start` (and its limits).

    dateutil checks UNTIL only against occurrences it finds, so for a rule that never
    matches (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) it walks period by period up to the year
    9999: seconds of CPU. The Gregorian calendar repeats every 400 years and the rule's
    rhythm every 400 x INTERVAL years, so the same question is asked that many years
    later, close to 9999, where the walk is short. (Easter does not repeat that way.)
    """
    limits = dict(parts)
    if int(limits.pop("COUNT", "1")) <= 0:
        return False
    last = plus_days(start, HORIZON)
    if "UNTIL" in limits:
        last = min(last, _until_date(limits.pop("UNTIL")))
    if last < start:
        return False
    cycle = 400 * int(limits.get("INTERVAL", "1"))
    shift = 0 if "BYEASTER" in limits else (date.max.year - last.year) // cycle * cycle
    start = start.replace(year=start.year + shift)  # 29 February survives: 400 | shift
    last = last.replace(year=last.year + shift)
    rule = _build_rule(limits, datetime.combine(start, _MIDNIGHT), until=last)
    return next(iter(rule), None) is not None


def rule_dates(parts: dict[str, str], starts_on: date, first: date, last: date) -> Iterator[date]:
    """A rule's dates in [first, last] with DTSTART at local midnight of `starts_on`.

    dateutil is never asked for more than `last`, not even to honour a COUNT: COUNT is
    applied here, counting from the start as RFC 5545 does.
    """
    limits = dict(parts)
    count = int(limits.pop("COUNT")) if "COUNT" in limits else None
    until = last
    if "UNTIL" in limits:
        until = min(until, _until_date(limits.pop("UNTIL")))
    if count is not None and count <= 0:
        return
    rule = _build_rule(limits, datetime.combine(starts_on, _MIDNIGHT), until=until)
    previous = None
    for index, occurrence in enumerate(rule):
        if count is not None and index >= count:
            return
        day = occurrence.date()
        if day >= first and day != previous:
            yield day
        previous = day


def rule_parts(text: str) -> dict[str, str]:
    """The NAME=VALUE parts of one RRULE line, refused for the reasons parse_rule lists."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_RULE_LENGTH:
        raise InvalidSchedule("bad_rule")
    text = text.upper()
    if "DTSTART" in text:
        raise InvalidSchedule("rule_sets_start")
    text = "".join(text.split()).removeprefix("RRULE:").strip(";")
    parts: dict[str, str] = {}
    for part in text.split(";"):
        name, equals, value = part.partition("=")
        if not equals or not name or not value or name in parts:
            raise InvalidSchedule("bad_rule")
        parts[name] = value
    frequency = parts.get("FREQ")
    if frequency is None:
        raise InvalidSchedule("bad_rule")
    if frequency in _SUB_DAILY:
        raise InvalidSchedule("rule_too_frequent", freq=frequency)
    for name in _TIME_PARTS:
        if name in parts:
            raise InvalidSchedule("rule_sets_time", part=name)
    for name in ("INTERVAL", "COUNT"):
        if name in parts and not _NUMBER.fullmatch(parts[name]):
            raise InvalidSchedule("bad_rule")
    if not 1 <= int(parts.get("INTERVAL", "1")) <= MAX_RULE_INTERVAL:
        raise InvalidSchedule("bad_rule")
    if "UNTIL" in parts:
        if "COUNT" in parts:  # RFC 5545: one or the other
            raise InvalidSchedule("bad_rule")
        parts["UNTIL"] = _until_date(parts["UNTIL"]).strftime("%Y%m%d")
    return parts


def _until_date(value: str) -> date:
    """An UNTIL value as a local date: a check-in rule is about dates, so a time (and a
    trailing Z) is dropped and the day is included."""
    match = _UNTIL.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        return datetime.strptime(match[1], "%Y%m%d").date()
    except ValueError:
        raise InvalidSchedule("bad_rule") from None


def _build_rule(parts: dict[str, str], dtstart: datetime, *, until: date | None) -> rrule:
    text = ";".join(f"{name}={value}" for name, value in parts.items())
    try:
        rule = rrulestr(text, dtstart=dtstart)
        if not isinstance(rule, rrule):  # one RRULE line never gives a set
            raise InvalidSchedule("bad_rule")
        if until is not None:
            rule = rule.replace(until=datetime.combine(until, _MIDNIGHT))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        raise InvalidSchedule("bad_rule") from None
    return rule


def plus_days(day: date, delta: timedelta) -> date:
    """`day + delta`, held within the calendar's range."""
    try:
        return day + delta
    except OverflowError:
        return date.max if delta > timedelta(0) else date.min
