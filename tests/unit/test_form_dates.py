"""Which order a person writes dates in, and the examples they are shown."""

from __future__ import annotations

from datetime import date

import pytest

from coachbot.domain.forms.dates import example_date, month_first, parse_date


@pytest.mark.parametrize(
    ("language", "timezone", "imperial", "expected"),
    [
        ("en", "America/New_York", False, True),
        ("en", "Europe/London", False, False),
        ("en", "Australia/Sydney", True, False),
        ("de", "Europe/Berlin", False, False),
        ("de", "America/New_York", False, False),  # German in New York: no de_US locale
        ("en", "UTC", True, True),  # no country: imperial units stand for the US
        ("en", "UTC", False, False),
    ],
)
def test_month_first_only_for_en_us(language, timezone, imperial, expected):
    assert month_first(language, timezone, imperial) is expected


def test_year_first_dates_are_never_swapped():
    today = date(2026, 12, 7)
    typed = parse_date("2027/05/01", month_first=True, today=today)
    assert typed.value == date(2027, 5, 1) and not typed.ambiguous


def test_two_digit_years_are_within_fifty_years_of_today():
    today = date(2026, 12, 7)
    assert parse_date("31.12.90", month_first=False, today=today).value == date(1990, 12, 31)
    assert parse_date("31.12.27", month_first=False, today=today).value == date(2027, 12, 31)


def test_the_example_is_in_the_future_and_plain_in_either_order():
    today = date(2026, 12, 7)
    assert example_date(today, month_first=False) == "31.03.2027"
    assert example_date(today, month_first=True) == "03/31/2027"
