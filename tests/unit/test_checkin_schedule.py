"""Check-in schedules: local dates at a local time, right across daylight-saving changes.

The 2026 transitions used here are checked against zoneinfo by the first test:
Europe/Berlin 29 Mar (02:00 -> 03:00) and 25 Oct (03:00 -> 02:00), America/New_York
8 Mar (02:00 -> 03:00) and 1 Nov (02:00 -> 01:00), Australia/Sydney 5 Apr (03:00 ->
02:00) and 4 Oct (02:00 -> 03:00).
"""

from __future__ import annotations

import itertools
import json
import random
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from coachbot.domain.checkins.rrules import InvalidSchedule, parse_rule
from coachbot.domain.checkins.schedule import (
    CheckinSchedule,
    Frequency,
    due_times,
    next_due,
    outside_quiet_hours,
    resume_due,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
SYDNEY = "Australia/Sydney"
EIGHT = time(8, 0)
HALF_PAST_TWO = time(2, 30)

# zone, local date of the change, UTC offset in hours before and after it
CHANGES = {
    "berlin-spring": (BERLIN, date(2026, 3, 29), 1, 2),
    "berlin-autumn": (BERLIN, date(2026, 10, 25), 2, 1),
    "new-york-spring": (NEW_YORK, date(2026, 3, 8), -5, -4),
    "new-york-autumn": (NEW_YORK, date(2026, 11, 1), -4, -5),
    "sydney-autumn": (SYDNEY, date(2026, 4, 5), 11, 10),
    "sydney-spring": (SYDNEY, date(2026, 10, 4), 10, 11),
}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def daily(at: time, starts_on: date) -> CheckinSchedule:
    return CheckinSchedule.every(1, at, starts_on)


def around(day: date, zone: str, days: int = 2) -> tuple[datetime, datetime]:
    """(after, until) covering `days` local days either side of `day`."""
    tz = ZoneInfo(zone)
    after = datetime.combine(day - timedelta(days=days), time(0), tz)
    until = datetime.combine(day + timedelta(days=days + 1), time(0), tz)
    return after, until


def refusal(action, *args, **kwargs) -> InvalidSchedule:
    with pytest.raises(InvalidSchedule) as error:
        action(*args, **kwargs)
    return error.value


def hours(offset: timedelta | None) -> float:
    assert offset is not None
    return offset.total_seconds() / 3600


@pytest.mark.parametrize(("zone", "day", "before", "after"), CHANGES.values(), ids=CHANGES)
def test_the_2026_transition_dates_are_the_ones_these_tests_assume(zone, day, before, after):
    tz = ZoneInfo(zone)
    assert hours(datetime.combine(day, time(0, 30), tz).utcoffset()) == before
    assert hours(datetime.combine(day, time(12, 0), tz).utcoffset()) == after
    assert hours(datetime.combine(day - timedelta(days=1), time(12), tz).utcoffset()) == before


def test_eight_oclock_stays_eight_oclock_across_the_berlin_spring_change():
    schedule = daily(EIGHT, date(2026, 3, 1))
    due = due_times(schedule, after=utc(2026, 3, 27), until=utc(2026, 3, 31, 12), timezone=BERLIN)
    assert due == [
        utc(2026, 3, 27, 7),
        utc(2026, 3, 28, 7),
        utc(2026, 3, 29, 6),  # CEST from here: still 08:00 on the wall
        utc(2026, 3, 30, 6),
        utc(2026, 3, 31, 6),
    ]


@pytest.mark.parametrize(("zone", "day", "before", "after"), CHANGES.values(), ids=CHANGES)
def test_eight_oclock_stays_eight_oclock_on_the_days_around_every_change(zone, day, before, after):
    start, end = around(day, zone)
    due = due_times(daily(EIGHT, date(2026, 1, 1)), after=start, until=end, timezone=zone)
    assert [local(moment, zone).date() for moment in due] == [
        day + timedelta(days=n) for n in range(-2, 3)
    ]
    assert all(local(moment, zone).time() == EIGHT for moment in due)
    assert [moment.hour for moment in due] == [(8 - before) % 24] * 2 + [(8 - after) % 24] * 3


@pytest.mark.parametrize(
    ("zone", "day", "jump"),
    [
        (BERLIN, date(2026, 3, 29), utc(2026, 3, 29, 1)),  # 03:00 CEST
        (NEW_YORK, date(2026, 3, 8), utc(2026, 3, 8, 7)),  # 03:00 EDT
        (SYDNEY, date(2026, 10, 4), utc(2026, 10, 3, 16)),  # 03:00 AEDT
    ],
    ids=["berlin", "new-york", "sydney"],
)
def test_a_time_in_the_spring_gap_fires_once_when_the_clocks_jump(zone, day, jump):
    start, end = around(day, zone, days=1)
    due = due_times(daily(HALF_PAST_TWO, date(2026, 1, 1)), after=start, until=end, timezone=zone)
    assert len(due) == 3
    assert due[1] == jump
    assert local(jump, zone).time() == time(3, 0)
    assert [local(moment, zone).date() for moment in due] == [
        day - timedelta(days=1),
        day,
        day + timedelta(days=1),
    ]
    assert local(due[0], zone).time() == local(due[2], zone).time() == HALF_PAST_TWO
    one_minute_before = jump - timedelta(minutes=1)
    assert next_due(daily(HALF_PAST_TWO, day), after=one_minute_before, timezone=zone) == jump


def test_a_gap_that_crosses_midnight_moves_the_check_in_to_the_first_minute_of_the_next_day():
    # Greenland springs forward at 23:00 on Saturday 28 March 2026, straight to Sunday 00:00.
    nuuk = "America/Nuuk"
    assert hours(datetime(2026, 3, 28, 22, 30, tzinfo=ZoneInfo(nuuk)).utcoffset()) == -2
    assert hours(datetime(2026, 3, 29, 0, 30, tzinfo=ZoneInfo(nuuk)).utcoffset()) == -1
    schedule = daily(time(23, 30), date(2026, 3, 1))
    due = due_times(schedule, after=utc(2026, 3, 27, 12), until=utc(2026, 3, 31), timezone=nuuk)
    assert due == [
        utc(2026, 3, 28, 1, 30),  # Friday 23:30
        utc(2026, 3, 29, 1, 0),  # Saturday's, at Sunday 00:00 when the clocks jump
        utc(2026, 3, 30, 0, 30),  # Sunday 23:30: Sunday has two, Saturday none
    ]


@pytest.mark.parametrize(
    ("zone", "day", "at", "first", "summer_offset"),
    [
        (BERLIN, date(2026, 10, 25), HALF_PAST_TWO, utc(2026, 10, 25, 0, 30), 2),
        (NEW_YORK, date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30), -4),
        (SYDNEY, date(2026, 4, 5), HALF_PAST_TWO, utc(2026, 4, 4, 15, 30), 11),
    ],
    ids=["berlin", "new-york", "sydney"],
)
def test_a_time_that_happens_twice_in_autumn_fires_once_at_its_first_occurrence(
    zone, day, at, first, summer_offset
):
    second = first + timedelta(hours=1)
    assert local(first, zone).time() == local(second, zone).time() == at  # it does repeat
    assert hours(local(first, zone).utcoffset()) == summer_offset
    schedule = daily(at, date(2026, 1, 1))
    start, end = around(day, zone, days=1)
    due = due_times(schedule, after=start, until=end, timezone=zone)
    assert len(due) == 3
    assert due[1] == first
    assert second not in due
    next_day = next_due(schedule, after=first, timezone=zone)
    assert next_day == due[2]
    assert local(next_day, zone).date() == day + timedelta(days=1)


def test_weekly_fires_on_every_listed_weekday_at_the_local_time():
    schedule = CheckinSchedule.weekly([4, 0, 2, 0], EIGHT, date(2026, 3, 23))
    assert schedule.weekdays == (0, 2, 4)
    due = due_times(schedule, after=utc(2026, 3, 20), until=utc(2026, 4, 4), timezone=BERLIN)
    assert [local(moment, BERLIN).date() for moment in due] == [
        date(2026, 3, 23),  # Monday, CET; nothing before starts_on
        date(2026, 3, 25),
        date(2026, 3, 27),
        date(2026, 3, 30),  # Monday, CEST
        date(2026, 4, 1),
        date(2026, 4, 3),
    ]
    assert {local(moment, BERLIN).time() for moment in due} == {EIGHT}


def test_an_occurrence_later_the_same_local_day_counts():
    schedule = CheckinSchedule.weekly([0, 3], EIGHT, date(2026, 1, 1))
    monday_early = datetime(2026, 3, 30, 7, 59, tzinfo=ZoneInfo(BERLIN))
    monday_late = datetime(2026, 3, 30, 8, 0, tzinfo=ZoneInfo(BERLIN))
    assert next_due(schedule, after=monday_early, timezone=BERLIN) == utc(2026, 3, 30, 6)
    assert next_due(schedule, after=monday_late, timezone=BERLIN) == utc(2026, 4, 2, 6)


def test_every_n_days_keeps_its_rhythm_and_its_local_time_across_a_change():
    schedule = CheckinSchedule.every(3, time(7, 30), date(2026, 3, 2))
    due = due_times(schedule, after=utc(2026, 3, 1), until=utc(2026, 3, 15), timezone=NEW_YORK)
    assert due == [
        utc(2026, 3, 2, 12, 30),  # EST
        utc(2026, 3, 5, 12, 30),
        utc(2026, 3, 8, 11, 30),  # EDT from 8 March
        utc(2026, 3, 11, 11, 30),
        utc(2026, 3, 14, 11, 30),
    ]
    mid_period = utc(2026, 3, 9, 12)
    assert next_due(schedule, after=mid_period, timezone=NEW_YORK) == utc(2026, 3, 11, 11, 30)


def test_a_monthly_rule_on_the_31st_skips_the_short_months():
    schedule = CheckinSchedule.custom("FREQ=MONTHLY;BYMONTHDAY=31", EIGHT, date(2026, 1, 1))
    due = due_times(schedule, after=utc(2025, 12, 1), until=utc(2027, 1, 1), timezone=BERLIN)
    assert [local(moment, BERLIN).date() for moment in due] == [
        date(2026, month, 31) for month in (1, 3, 5, 7, 8, 10, 12)
    ]
    assert {local(moment, BERLIN).time() for moment in due} == {EIGHT}


def test_a_fortnightly_rule_counts_its_weeks_from_the_start():
    schedule = CheckinSchedule.custom(
        "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", time(18, 0), date(2026, 3, 4)
    )
    due = due_times(schedule, after=utc(2026, 3, 1), until=utc(2026, 4, 30), timezone=SYDNEY)
    assert [local(moment, SYDNEY).date() for moment in due] == [
        date(2026, 3, 16),  # the week of 4 March is week 0; its Monday is before the start
        date(2026, 3, 30),
        date(2026, 4, 13),
        date(2026, 4, 27),
    ]
    assert {local(moment, SYDNEY).time() for moment in due} == {time(18, 0)}
    assert due[1] == utc(2026, 3, 30, 7)  # AEDT, +11
    assert due[2] == utc(2026, 4, 13, 8)  # AEST, +10


def test_a_rule_with_a_count_runs_out():
    schedule = CheckinSchedule.custom("FREQ=DAILY;COUNT=3", EIGHT, date(2026, 5, 1))
    due = due_times(schedule, after=utc(2026, 4, 1), until=utc(2026, 6, 1), timezone=BERLIN)
    assert len(due) == 3
    assert next_due(schedule, after=due[-1], timezone=BERLIN) is None


def test_a_rule_until_a_date_includes_that_date():
    schedule = CheckinSchedule.custom(
        "FREQ=WEEKLY;BYDAY=FR;UNTIL=20260515T000000Z", EIGHT, date(2026, 5, 1)
    )
    assert schedule.rule == "FREQ=WEEKLY;UNTIL=20260515T000000;BYDAY=FR"
    due = due_times(schedule, after=utc(2026, 4, 1), until=utc(2026, 7, 1), timezone=BERLIN)
    assert [local(moment, BERLIN).date() for moment in due] == [
        date(2026, 5, 1),
        date(2026, 5, 8),
        date(2026, 5, 15),
    ]
    assert next_due(schedule, after=due[-1], timezone=BERLIN) is None


def test_a_typed_rule_is_normalised():
    assert parse_rule(" rrule:freq=weekly; interval=2; byday=mo ") == (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"
    )
    assert parse_rule("BYDAY=MO,TH;FREQ=WEEKLY;") == "FREQ=WEEKLY;BYDAY=MO,TH"
    for text in ("FREQ=MONTHLY;BYDAY=-1FR", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"):
        assert parse_rule(parse_rule(text)) == parse_rule(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "bad_rule"),
        ("every monday", "bad_rule"),
        ("BYDAY=MO", "bad_rule"),
        ("FREQ=FORTNIGHTLY", "bad_rule"),
        ("FREQ=WEEKLY;BYDAY=XX", "bad_rule"),
        ("FREQ=WEEKLY;FREQ=DAILY", "bad_rule"),
        ("FREQ=DAILY;INTERVAL=0", "bad_rule"),
        ("FREQ=DAILY;COUNT=2;UNTIL=20270101", "bad_rule"),
        ("FREQ=DAILY;X-NAME=1", "bad_rule"),
        ("FREQ=DAILY;UNTIL=2026-12-31", "bad_rule"),
        ("FREQ=DAILY;COUNT=²", "bad_rule"),
        ("FREQ=DAILY;INTERVAL=1001", "bad_rule"),
        ("FREQ=HOURLY", "rule_too_frequent"),
        ("FREQ=MINUTELY;INTERVAL=30", "rule_too_frequent"),
        ("FREQ=SECONDLY", "rule_too_frequent"),
        ("FREQ=DAILY;BYHOUR=8", "rule_sets_time"),
        ("FREQ=WEEKLY;BYDAY=MO;BYMINUTE=30", "rule_sets_time"),
        ("FREQ=DAILY;BYSECOND=0", "rule_sets_time"),
        ("DTSTART:20260101T080000\nRRULE:FREQ=DAILY", "rule_sets_start"),
        ("FREQ=DAILY;DTSTART=20260101", "rule_sets_start"),
        ("FREQ=DAILY;COUNT=0", "rule_never_fires"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "rule_never_fires"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "rule_never_fires"),
    ],
)
def test_a_rule_is_refused_with_a_reason(text, code):
    assert refusal(parse_rule, text).code == code


def test_a_too_frequent_rule_says_which_frequency_and_a_timed_rule_which_part():
    assert refusal(parse_rule, "FREQ=HOURLY").params == {"freq": "HOURLY"}
    assert refusal(parse_rule, "FREQ=DAILY;BYHOUR=8").params == {"part": "BYHOUR"}


def test_a_rule_that_ended_before_the_start_never_fires_for_that_schedule():
    assert parse_rule("FREQ=DAILY;UNTIL=20250101")  # fine on its own
    error = refusal(CheckinSchedule.custom, "FREQ=DAILY;UNTIL=20250101", EIGHT, date(2026, 1, 1))
    assert error.code == "rule_never_fires"


def test_an_impossible_daily_rule_is_refused_quickly():
    # dateutil alone would walk day by day to the year 9999 (seconds) before giving up.
    started = clock.perf_counter()
    error = refusal(parse_rule, "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", starts_on=date(2026, 1, 1))
    assert error.code == "rule_never_fires"
    assert clock.perf_counter() - started < 2


MONDAYS = {"frequency": Frequency.weekly, "weekdays": (0,)}


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"frequency": Frequency.weekly}, "no_weekdays"),
        ({"frequency": Frequency.weekly, "weekdays": (0, 7)}, "bad_weekday"),
        ({"frequency": Frequency.every_n_days, "interval_days": 0}, "bad_interval"),
        ({"frequency": Frequency.every_n_days, "interval_days": 91}, "bad_interval"),
        ({"frequency": Frequency.rrule}, "bad_rule"),
        ({"frequency": Frequency.rrule, "rule": "FREQ=HOURLY"}, "rule_too_frequent"),
        ({"frequency": "monthly", "weekdays": (0,)}, "bad_frequency"),
        ({**MONDAYS, "rule": "FREQ=DAILY"}, "irrelevant_field"),
        ({**MONDAYS, "interval_days": 3}, "irrelevant_field"),
        ({"frequency": Frequency.every_n_days, "weekdays": (1,)}, "irrelevant_field"),
        ({**MONDAYS, "local_time": time(8, 0, 30)}, "bad_time"),
        ({**MONDAYS, "local_time": time(8, tzinfo=UTC)}, "bad_time"),
        ({**MONDAYS, "starts_on": datetime(2026, 1, 1)}, "bad_start"),
    ],
)
def test_a_schedule_is_refused_with_a_reason(fields, code):
    fields = {"local_time": EIGHT, "starts_on": date(2026, 1, 1), **fields}
    assert refusal(CheckinSchedule, **fields).code == code


def test_the_interval_refusal_says_what_is_allowed():
    error = refusal(CheckinSchedule.every, 0, EIGHT, date(2026, 1, 1))
    assert error.params == {"minimum": 1, "maximum": 90}


@pytest.mark.parametrize(
    "schedule",
    [
        CheckinSchedule.weekly([3, 1], EIGHT, date(2026, 3, 2)),
        CheckinSchedule.every(10, time(19, 45), date(2026, 3, 2)),
        CheckinSchedule.custom("freq=monthly;byday=1mo", time(7, 5), date(2026, 3, 2)),
    ],
    ids=["weekly", "every-n-days", "rrule"],
)
def test_a_schedule_survives_a_round_trip_through_json(schedule):
    data = json.loads(json.dumps(schedule.to_data()))
    assert CheckinSchedule.from_data(data) == schedule


def test_stored_data_looks_like_this():
    schedule = CheckinSchedule.weekly([3, 1], EIGHT, date(2026, 3, 2))
    assert schedule.to_data() == {
        "frequency": "weekly",
        "local_time": "08:00",
        "starts_on": "2026-03-02",
        "weekdays": [1, 3],
    }


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"frequency": "weekly", "local_time": "8 o'clock", "starts_on": "2026-03-02"},
        {"frequency": "weekly", "local_time": "08:00", "starts_on": None, "weekdays": [0]},
        {"frequency": "yearly", "local_time": "08:00", "starts_on": "2026-03-02"},
    ],
)
def test_malformed_stored_data_is_refused(data):
    assert refusal(CheckinSchedule.from_data, data).code == "bad_data"


def test_a_client_who_moves_from_berlin_to_new_york_gets_eight_oclock_new_york_time_next():
    schedule = daily(EIGHT, date(2026, 6, 1))
    in_berlin = next_due(schedule, after=utc(2026, 6, 10, 5), timezone=BERLIN)
    assert in_berlin == utc(2026, 6, 10, 6)
    # checked in at 08:00 Berlin, then flew to New York (02:00 there)
    in_new_york = next_due(schedule, after=in_berlin, timezone=NEW_YORK)
    assert in_new_york == utc(2026, 6, 10, 12)
    assert local(in_new_york, NEW_YORK).time() == EIGHT


def test_resuming_after_a_three_week_pause_gives_one_next_check_in_not_a_backlog():
    schedule = CheckinSchedule.weekly([0, 2, 4], EIGHT, date(2026, 3, 2))
    resumed_at = utc(2026, 3, 25, 12)  # Wednesday afternoon, three weeks after the pause
    due = resume_due(schedule, resumed_at=resumed_at, timezone=BERLIN)
    assert due == utc(2026, 3, 27, 7)  # Friday 08:00, nothing owed for the paused weeks
    assert due_times(schedule, after=resumed_at, until=due, timezone=BERLIN) == [due]


@pytest.mark.parametrize(("weekday", "count"), [(0, 52), (3, 53)], ids=["mondays", "thursdays"])
def test_a_weekly_schedule_fires_52_or_53_times_in_a_berlin_year_always_at_eight(weekday, count):
    schedule = CheckinSchedule.weekly([weekday], EIGHT, date(2026, 1, 1))
    tz = ZoneInfo(BERLIN)
    year = due_times(
        schedule,
        after=datetime(2026, 1, 1, tzinfo=tz),
        until=datetime(2027, 1, 1, tzinfo=tz),
        timezone=BERLIN,
    )
    assert len(year) == count  # 2026 starts on a Thursday
    assert {local(moment, BERLIN).time() for moment in year} == {EIGHT}
    assert {local(moment, BERLIN).weekday() for moment in year} == {weekday}
    assert {moment.hour for moment in year} == {6, 7}  # summer and winter in UTC


def test_naive_moments_are_a_programming_error():
    schedule = daily(EIGHT, date(2026, 1, 1))
    with pytest.raises(ValueError):
        next_due(schedule, after=datetime(2026, 3, 1), timezone=BERLIN)


# Quiet hours: 22:00-07:00 unless said otherwise.
NIGHT = {"quiet_start": time(22, 0), "quiet_end": time(7, 0)}


def berlin(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(BERLIN), fold=fold)


def test_a_reminder_outside_quiet_hours_goes_out_as_planned():
    at = berlin(2026, 6, 10, 12, 0)
    assert outside_quiet_hours(at, timezone=BERLIN, **NIGHT) == utc(2026, 6, 10, 10)
    assert outside_quiet_hours(at, timezone=BERLIN, **NIGHT).tzinfo is UTC


@pytest.mark.parametrize(
    ("at", "moved_to"),
    [
        (berlin(2026, 6, 10, 22, 0), berlin(2026, 6, 11, 7, 0)),  # the window opens
        (berlin(2026, 6, 10, 23, 30), berlin(2026, 6, 11, 7, 0)),  # before midnight
        (berlin(2026, 6, 11, 3, 0), berlin(2026, 6, 11, 7, 0)),  # after midnight
        (berlin(2026, 6, 11, 6, 59), berlin(2026, 6, 11, 7, 0)),
        (berlin(2026, 6, 11, 7, 0), berlin(2026, 6, 11, 7, 0)),  # the window has closed
        (berlin(2026, 6, 10, 21, 59), berlin(2026, 6, 10, 21, 59)),
    ],
)
def test_a_reminder_in_quiet_hours_that_cross_midnight_waits_for_their_end(at, moved_to):
    assert outside_quiet_hours(at, timezone=BERLIN, **NIGHT) == moved_to


def test_quiet_hours_within_one_day_move_a_reminder_to_their_end():
    siesta = {"quiet_start": time(13, 0), "quiet_end": time(15, 0)}
    assert outside_quiet_hours(berlin(2026, 6, 10, 14, 0), timezone=BERLIN, **siesta) == berlin(
        2026, 6, 10, 15, 0
    )
    assert outside_quiet_hours(berlin(2026, 6, 10, 23, 0), timezone=BERLIN, **siesta) == berlin(
        2026, 6, 10, 23, 0
    )


def test_equal_start_and_end_mean_no_quiet_hours():
    at = berlin(2026, 6, 10, 3, 0)
    none = {"quiet_start": time(7, 0), "quiet_end": time(7, 0)}
    assert outside_quiet_hours(at, timezone=BERLIN, **none) == at


def test_quiet_hours_are_local_to_the_client():
    at = utc(2026, 6, 10, 4)  # 06:00 in Berlin, midnight in New York
    assert outside_quiet_hours(at, timezone=BERLIN, **NIGHT) == utc(2026, 6, 10, 5)
    assert outside_quiet_hours(at, timezone=NEW_YORK, **NIGHT) == utc(2026, 6, 10, 11)


def test_quiet_hours_on_the_spring_night_end_at_seven_summer_time():
    at = berlin(2026, 3, 28, 23, 0)  # CET
    assert outside_quiet_hours(at, timezone=BERLIN, **NIGHT) == utc(2026, 3, 29, 5)  # 07:00 CEST


def test_quiet_hours_ending_in_the_spring_gap_end_when_the_clocks_jump():
    short_night = {"quiet_start": time(23, 0), "quiet_end": HALF_PAST_TWO}
    at = berlin(2026, 3, 29, 1, 30)
    assert outside_quiet_hours(at, timezone=BERLIN, **short_night) == utc(2026, 3, 29, 1)


def test_quiet_hours_on_the_autumn_night_end_at_seven_winter_time():
    at = berlin(2026, 10, 25, 2, 30, fold=1)  # the second 02:30
    assert outside_quiet_hours(at, timezone=BERLIN, **NIGHT) == utc(2026, 10, 25, 6)  # 07:00 CET


def test_quiet_hours_ending_in_the_repeated_hour_end_at_its_first_occurrence():
    short_night = {"quiet_start": time(23, 0), "quiet_end": HALF_PAST_TWO}
    first_pass = berlin(2026, 10, 25, 2, 15)
    second_pass = berlin(2026, 10, 25, 2, 15, fold=1)
    assert outside_quiet_hours(first_pass, timezone=BERLIN, **short_night) == utc(
        2026, 10, 25, 0, 30
    )
    # the window closed at the first 02:30; the clock showing 02:15 again does not reopen it
    # (compared in UTC: Python never finds a repeated local time equal to another zone's)
    assert outside_quiet_hours(second_pass, timezone=BERLIN, **short_night) == utc(
        2026, 10, 25, 1, 15
    )


ZONES = [
    BERLIN,
    NEW_YORK,
    SYDNEY,
    "Europe/London",
    "America/Santiago",  # changes at midnight
    "America/Havana",  # changes at midnight
    "Australia/Lord_Howe",  # half-hour changes
    "Asia/Tehran",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "America/Nuuk",  # changes at 23:00, so a gap crosses midnight
    "UTC",
]


def random_schedule(rng: random.Random) -> CheckinSchedule:
    at = time(rng.choice([0, 1, 2, 3, 8, 23, rng.randrange(24)]), rng.choice([0, 15, 30, 45]))
    starts_on = date(2024, 1, 1) + timedelta(days=rng.randrange(1500))
    kind = rng.randrange(3)
    if kind == 0:
        return CheckinSchedule.weekly(rng.sample(range(7), rng.randint(1, 7)), at, starts_on)
    if kind == 1:
        return CheckinSchedule.every(rng.randint(1, 90), at, starts_on)
    rule = rng.choice(["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=SU,WE", "FREQ=MONTHLY;BYMONTHDAY=-1"])
    return CheckinSchedule.custom(rule, at, starts_on)


def is_clock_jump(moment: datetime, zone: ZoneInfo) -> bool:
    just_before = (moment - timedelta(seconds=1)).astimezone(zone)
    return just_before.utcoffset() != moment.astimezone(zone).utcoffset()


def test_due_moments_hold_their_promises_for_many_random_schedules_and_zones():
    rng = random.Random(20260329)
    for _ in range(400):
        zone_name = rng.choice(ZONES)
        zone = ZoneInfo(zone_name)
        schedule = random_schedule(rng)
        after = utc(2024, 1, 1) + timedelta(minutes=rng.randrange(5 * 365 * 24 * 60))
        due = due_times(
            schedule, after=after, until=after + timedelta(days=120), timezone=zone_name
        )
        previous_day, previous_jumped = None, False
        for moment in due:
            assert moment > after
            assert moment.tzinfo is UTC
            wall = moment.astimezone(zone)
            jumped = wall.time() != schedule.local_time
            if jumped:  # only in a gap, at the jump
                assert is_clock_jump(moment, zone), (zone_name, schedule, moment)
            # one per local date, unless a gap pushed the previous one past midnight
            assert wall.date() != previous_day or previous_jumped
            previous_day, previous_jumped = wall.date(), jumped
        if due:
            assert next_due(schedule, after=after, timezone=zone_name) == due[0]
        for earlier, later in itertools.pairwise(due):
            assert next_due(schedule, after=earlier, timezone=zone_name) == later
