"""Properties of the parsers of what people type: dates, numbers with units, prices,
times. Whatever the text, a parser answers or refuses with the domain's own error, never
anything else; and what the bot writes (a date, a price, a time) reads back as itself.

The settings profile (database=None, modest example counts) is in tests/conftest.py.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from coachbot.bot.billing.texts import CURRENCY_CHOICES, money
from coachbot.domain.billing.money import MAX_MINOR, Money, exponent
from coachbot.domain.forms.dates import format_numeric, parse_date
from coachbot.domain.forms.questions import AnswerContext, InvalidAnswer, Question, QuestionKind
from coachbot.domain.forms.units import (
    Metric,
    UnitError,
    UnitSystem,
    from_si,
    parse_number,
    to_si,
    unit_symbol,
)
from coachbot.domain.shared.errors import InvalidDetailError

TODAY = date(2026, 6, 15)
CONTEXTS = st.builds(
    AnswerContext,
    today=st.dates(date(1990, 1, 1), date(2090, 12, 31)),
    units=st.sampled_from(UnitSystem),
    day_first=st.booleans(),
)

# Text that looks like what people type into these parsers: digits (long runs too),
# separators, units, month names, currency signs, and anything else now and then.
PIECES = st.sampled_from(
    [*"0123456789", *".,:/-' \"%", "\u00a0", "\u202f", "\u200b", "٣", "²", "１",
     "kg", "lb", "cm", "in", "ft", "m", "%", "am", "pm", "p.m.", "Uhr", "h",
     "May", "Mai", "March", "Dec", "th", "€", "$", "US$", "£", "¥", "EUR", "usd", "e", "E",
     "9" * 30, "9" * 310, "0" * 12, "+", "-", "inf", "nan"]
)  # fmt: skip
TYPED = st.one_of(
    st.lists(PIECES, max_size=8).map("".join),
    st.text(max_size=20),
)


# -- dates ------------------------------------------------------------------------------


@given(text=TYPED, month_first=st.booleans())
# Found by Hypothesis: dateutil raised OverflowError and decimal.InvalidOperation.
@example(text="1 May 99999999999999999999", month_first=False)
@example(text="-0" + "9" * 310 + ":" + "9" * 310 + "March:Uhr", month_first=True)
def test_a_typed_date_is_read_or_refused_with_a_value_error(text: str, month_first: bool):
    try:
        typed = parse_date(text, month_first=month_first, today=TODAY)
    except ValueError:
        return
    assert isinstance(typed.value, date)


@given(value=st.dates(date(1000, 1, 1)), month_first=st.booleans())
def test_a_date_written_as_the_person_writes_dates_reads_back(value: date, month_first: bool):
    typed = parse_date(
        format_numeric(value, month_first=month_first), month_first=month_first, today=TODAY
    )
    assert typed.value == value
    assert typed.ambiguous == (value.day <= 12 and value.day != value.month)


@given(value=st.dates(), month_first=st.booleans())
def test_an_iso_date_reads_back_and_is_never_ambiguous(value: date, month_first: bool):
    typed = parse_date(value.isoformat(), month_first=month_first, today=TODAY)
    assert typed == type(typed)(value, ambiguous=False)


@given(value=st.dates(date(1900, 1, 1), date(2100, 12, 31)), month_first=st.booleans())
def test_a_date_with_the_month_written_out_reads_back(value: date, month_first: bool):
    text = f"{value.day} {value.strftime('%B')} {value.year}"
    assert parse_date(text, month_first=month_first, today=TODAY).value == value


DATE_QUESTION = Question(key="born", kind=QuestionKind.date, prompt={"en": "Born?"})


@given(text=TYPED, context=CONTEXTS)
@example(text="1:" + "9" * 310 + " May 2027", context=AnswerContext(today=TODAY))
def test_a_date_answer_is_an_iso_date_or_refused(text: str, context: AnswerContext):
    try:
        answer = DATE_QUESTION.read(text, context)
    except InvalidAnswer:
        return
    assert date.fromisoformat(answer)


# -- numbers and measurements -----------------------------------------------------------


@given(text=TYPED)
def test_a_typed_number_is_read_or_refused_with_a_unit_error(text: str):
    try:
        value, _unit = parse_number(text)
    except UnitError:
        return
    assert isinstance(value, float)


NUMBER_QUESTIONS = [
    Question(key="n", kind=QuestionKind.number, prompt={"en": "n"}),
    Question(key="hours", kind=QuestionKind.number, prompt={"en": "h"}, unit="h", maximum=24),
    Question(key="s", kind=QuestionKind.scale, prompt={"en": "s"}),
    *(Question(key=m, kind=QuestionKind.metric, prompt={"en": m}, metric=m) for m in Metric),
]


@pytest.mark.parametrize("question", NUMBER_QUESTIONS, ids=lambda q: q.key)
@given(text=TYPED, context=CONTEXTS)
@example(text="9" * 310, context=AnswerContext(today=TODAY))  # was infinity (Hypothesis)
@example(text="1e308", context=AnswerContext(today=TODAY))
@example(text=f"{'9' * 308} m", context=AnswerContext(today=TODAY))
def test_a_number_answer_is_finite_or_refused(question: Question, text: str, context):
    try:
        answer = question.read(text, context)
    except InvalidAnswer:
        return
    assert math.isfinite(answer)


@given(
    metric=st.sampled_from(Metric),
    units=st.sampled_from(UnitSystem),
    value=st.decimals(min_value=0, max_value=1000, places=1),
    comma=st.booleans(),
    with_unit=st.booleans(),
)
def test_a_measurement_in_either_system_reads_back(metric, units, value, comma, with_unit):
    text = f"{value}".replace(".", "," if comma else ".")
    if with_unit:
        text += f" {unit_symbol(metric, units)}"
    assert from_si(to_si(text, metric, units), metric, units) == pytest.approx(float(value))


# -- prices -----------------------------------------------------------------------------


@given(text=TYPED, currency=st.sampled_from(CURRENCY_CHOICES), locale=st.sampled_from(["en", "de"]))
def test_a_typed_price_is_read_or_refused_with_the_domain_error(text, currency, locale):
    try:
        price = Money.parse(text, currency, locale)
    except InvalidDetailError:
        return
    assert 1 <= price.amount <= MAX_MINOR


@given(
    amount=st.integers(1, MAX_MINOR),
    currency=st.sampled_from(CURRENCY_CHOICES),
    locale=st.sampled_from(["en", "de"]),
)
@example(amount=123456, currency="chf", locale="en")  # "CHF1,234.56" (Hypothesis)
def test_a_price_as_the_bot_writes_it_reads_back(amount: int, currency: str, locale: str):
    assert Money.parse(money(amount, currency, locale), currency, locale).amount == amount


NO_BREAK_SPACE = "\u00a0"


def _grouped(whole: int, separator: str) -> str:
    return f"{whole:,}".replace(",", separator)


@given(amount=st.integers(1, MAX_MINOR), style=st.integers(0, 5))
def test_a_price_written_the_usual_ways_reads_back(amount: int, style: int):
    whole, cents = divmod(amount, 100)
    text = [
        f"{_grouped(whole, '.')},{cents:02d}",  # 1.234,50 (de)
        f"{_grouped(whole, ' ')},{cents:02d}",  # 1 234,50
        f"{_grouped(whole, NO_BREAK_SPACE)},{cents:02d} €",  # 1 234,50 € (no-break space)
        f"${_grouped(whole, ',')}.{cents:02d}",  # $1,234.50 (en)
        f"€{whole}.{cents:02d}",
        f"{whole}.{cents:02d} EUR",
    ][style]
    locale = "de" if style < 3 else "en"
    assert Money.parse(text, "eur", locale).amount == amount


@given(whole=st.integers(1, 999_999), place=st.booleans())
def test_a_whole_price_with_its_symbol_on_either_side_reads_back(whole: int, place: bool):
    text = f"€{whole}" if place else f"{whole} €"
    assert Money.parse(text, "eur", "de").value == Decimal(whole)
    assert Money.parse(text, "eur", "de").amount == whole * 10 ** exponent("eur")


# -- times (check-in times, quiet hours) ------------------------------------------------

TIME_QUESTION = Question(key="quiet_start", kind=QuestionKind.time, prompt={"en": "When?"})
ANY_DAY = AnswerContext(today=TODAY)


@given(text=TYPED)
def test_a_typed_time_is_hh_mm_or_refused(text: str):
    try:
        answer = TIME_QUESTION.read(text, ANY_DAY)
    except InvalidAnswer:
        return
    hours, minutes = answer.split(":")
    assert len(hours) == len(minutes) == 2 and 0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59


@given(hour=st.integers(0, 23), minute=st.integers(0, 59), style=st.integers(0, 3))
def test_a_time_written_the_usual_ways_reads_back(hour: int, minute: int, style: int):
    twelve = f"{hour % 12 or 12}:{minute:02d} {'pm' if hour >= 12 else 'am'}"
    text = [f"{hour}:{minute:02d}", f"{hour:02d}.{minute:02d}", twelve, f"{hour}h{minute:02d}"]
    answer = TIME_QUESTION.read(text[style], ANY_DAY)
    assert answer == f"{hour:02d}:{minute:02d}"
    assert TIME_QUESTION.read(answer, ANY_DAY) == answer
