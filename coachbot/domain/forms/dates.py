"""Dates as people type them: in the order of their locale, or ISO, and only whole dates.

`1.5.2027` is 1 May in Berlin and 5 January in New York; which one is meant is guessed
from the person's language and the country of their time zone, and echoed back for
confirmation whenever day and month could be swapped. dateutil is only asked about
dates with a month name, and what it fills in from its defaults (a missing day or year,
or a time such as "7pm" read as today) is refused rather than stored.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime

from dateutil import parser as date_parser

from coachbot.domain.shared.locale_data import MONTH_FIRST_ZONES, ZONES_WITH_COUNTRY

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")  # year first: never swapped
_NUMERIC = re.compile(r"^(\d{1,2})\s*[./\-\s]\s*(\d{1,2})\s*[./\-\s]\s*(\d{2}|\d{4})\.?$")
# Two different defaults: whatever dateutil did not read from the text differs between them.
_DEFAULTS = (datetime(2000, 1, 1, 0, 0), datetime(2004, 2, 2, 1, 1))


@dataclass(frozen=True)
class TypedDate:
    value: date
    ambiguous: bool  # day and month could be swapped: echo it before storing


def month_first(language: str, timezone: str, imperial: bool = False) -> bool:
    """Whether the person writes the month first (3/4 = 4 March), as in en-US: English
    in a country whose English dates put the month first (CLDR, captured in
    `locale_data`); other catalogue languages write the day first (German in New York
    as in German). Without a country (a zone such as UTC), imperial units stand for the
    US."""
    if language.replace("-", "_").split("_")[0] != "en":
        return False
    if timezone not in ZONES_WITH_COUNTRY:
        return imperial
    return timezone in MONTH_FIRST_ZONES


def parse_date(text: str, *, month_first: bool, today: date) -> TypedDate:
    """'1.5.2027', '05/01/2027', '2027-05-01', '1 May 2027'; raises ValueError."""
    text = text.strip()
    if iso := _ISO.match(text):
        year, month, day = (int(part) for part in iso.groups())
        return TypedDate(date(year, month, day), ambiguous=False)
    if numeric := _NUMERIC.match(text):
        first, second, year_text = numeric.groups()
        month, day = (int(first), int(second)) if month_first else (int(second), int(first))
        year = int(year_text)
        if len(year_text) == 2:  # as dateutil: within 50 years of now, either way
            year = _century_of(year, today)
        swappable = day <= 12 and month <= 12 and day != month
        return TypedDate(date(year, month, day), ambiguous=swappable)
    if not re.search(r"[^\W\d_]", text):  # only digits and signs, in no order we know
        raise ValueError(text)
    try:
        first, second = (
            date_parser.parse(text, default=default, dayfirst=not month_first, fuzzy=False)
            for default in _DEFAULTS
        )
    except ArithmeticError:  # dateutil on 20-digit years (OverflowError) or 300-digit
        raise ValueError(text) from None  # times (decimal.InvalidOperation)
    if first.date() != second.date() or first.hour == second.hour:
        raise ValueError(text)  # a day, month or year missing, or a time given
    return TypedDate(first.date(), ambiguous=False)


def _century_of(year: int, today: date) -> int:
    this_year = today.year
    year += this_year // 100 * 100
    if year > this_year + 50:
        return year - 100
    if year < this_year - 50:
        return year + 100
    return year


def example_date(after: date, *, month_first: bool, months: int = 3) -> str:
    """A date to show as an example: the last day of the month `months` after `after`
    (a day over 12, so the order is plain), written as the person writes dates."""
    month_index = after.month - 1 + months
    year, month = after.year + month_index // 12, month_index % 12 + 1
    return format_numeric(date(year, month, monthrange(year, month)[1]), month_first=month_first)


def format_numeric(value: date, *, month_first: bool) -> str:
    if month_first:
        return f"{value.month:02d}/{value.day:02d}/{value.year}"
    return f"{value.day:02d}.{value.month:02d}.{value.year}"
