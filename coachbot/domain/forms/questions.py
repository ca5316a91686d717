"""Typed questions and how a typed answer is read, checked and stored.

A refused answer raises `InvalidAnswer` with a code and parameters; the bot turns them
into a localized explanation and asks again. Stored values are JSON primitives: text
str, number float, scale int, single choice option key, multi choice list of keys,
yes/no bool, date ISO string, photo list of photo ids, metric float in kg, cm or %.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any
from zoneinfo import available_timezones

from coachbot.domain.forms.dates import parse_date
from coachbot.domain.forms.units import Metric, UnitError, UnitSystem, parse_number, to_si
from coachbot.domain.shared.errors import DomainError
from coachbot.domain.shared.text import has_letter_or_digit, visible_text

Text = dict[str, str]  # language -> wording; "en" is always present


class QuestionKind(StrEnum):
    text = "text"
    number = "number"
    scale = "scale"
    single_choice = "single_choice"
    multi_choice = "multi_choice"
    yes_no = "yes_no"
    date = "date"
    photo = "photo"
    metric = "metric"
    timezone = "timezone"  # an IANA name, from buttons or typed (a zone or a city)
    time = "time"  # a time of day, stored as "HH:MM"


class InvalidAnswer(DomainError):
    """Codes: empty, too_long, not_a_number, unknown_unit, too_small, too_large,
    too_precise, not_an_option, not_a_date, in_the_future, in_the_past, no_choice,
    too_many_photos, not_yes_or_no; confirm_date (day and month could be swapped: ask
    whether `date` is meant, then answer with it in ISO)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class AnswerContext:
    """What reading an answer depends on besides the question."""

    today: date
    units: UnitSystem = UnitSystem.metric
    day_first: bool = True  # 03/04/2026 is 3 April unless the person's language says not


@dataclass(frozen=True)
class Option:
    key: str
    label: Text


@dataclass(frozen=True)
class ShowIf:
    """Ask this question only when an earlier answer has this value (or one of `among`)."""

    key: str
    equals: Any = None
    among: tuple[Any, ...] = ()

    def holds(self, answers: dict[str, Any]) -> bool:
        value = answers.get(self.key)
        return value in self.among if self.among else value == self.equals


@dataclass(frozen=True, kw_only=True)
class Question:
    key: str
    kind: QuestionKind
    prompt: Text
    optional: bool = False
    show_if: ShowIf | None = None
    # kind-specific settings
    max_length: int = 4096  # what Telegram lets one message hold
    minimum: float | None = None
    maximum: float | None = None
    decimals: int = 1
    unit: str | None = None
    options: tuple[Option, ...] = ()
    max_photos: int = 3
    metric: Metric | None = None
    past_only: bool = False
    future_only: bool = False
    scale: tuple[int, int] = (1, 10)
    hint: Text = field(default_factory=dict)

    def __post_init__(self) -> None:
        if "en" not in self.prompt:
            raise ValueError(f"question {self.key!r} needs an English prompt")
        choices = (QuestionKind.single_choice, QuestionKind.multi_choice)
        if self.kind in choices and not self.options:
            raise ValueError(f"choice question {self.key!r} needs options")
        if self.kind is QuestionKind.metric and self.metric is None:
            raise ValueError(f"metric question {self.key!r} needs a metric")

    def read(self, text: str, context: AnswerContext) -> Any:
        """The stored value for an answer typed as text; raises InvalidAnswer."""
        text = text.strip()
        if not text:
            raise InvalidAnswer("empty")
        reader = _READERS.get(self.kind)
        if reader is None:  # choices and photos come from buttons and uploads
            raise InvalidAnswer("use_buttons" if self.kind != QuestionKind.photo else "photo")
        return reader(self, text, context)

    def choose(self, option_keys: list[str]) -> Any:
        """The stored value for options picked with buttons (one, or several + Done)."""
        known = {option.key for option in self.button_options}
        if any(key not in known for key in option_keys):
            raise InvalidAnswer("not_an_option")
        if self.kind is QuestionKind.single_choice and len(option_keys) == 1:
            return option_keys[0]
        if self.kind is QuestionKind.multi_choice:
            if not option_keys:
                raise InvalidAnswer("no_choice")
            order = [option.key for option in self.options]
            return sorted(set(option_keys), key=order.index)
        if self.kind is QuestionKind.yes_no and len(option_keys) == 1:
            return option_keys[0] == "yes"
        if self.kind is QuestionKind.scale and len(option_keys) == 1:
            return int(option_keys[0])
        if self.kind is QuestionKind.timezone and len(option_keys) == 1:
            return option_keys[0]
        raise InvalidAnswer("not_an_option")

    def photos(self, photo_ids: list[int]) -> list[int]:
        """The stored value for photos received (ids of stored, processed photos)."""
        if self.kind is not QuestionKind.photo:
            raise InvalidAnswer("not_a_photo_question")
        if not photo_ids:
            raise InvalidAnswer("empty")
        if len(photo_ids) > self.max_photos:
            raise InvalidAnswer("too_many_photos", maximum=self.max_photos)
        return list(photo_ids)

    @property
    def button_options(self) -> tuple[Option, ...]:
        """The buttons this question is answered with (scale and yes/no get theirs)."""
        if self.kind is QuestionKind.scale:
            low, high = self.scale
            return tuple(Option(str(n), {"en": str(n)}) for n in range(low, high + 1))
        if self.kind is QuestionKind.yes_no:
            return (Option("yes", {"en": "Yes"}), Option("no", {"en": "No"}))
        return self.options


# Text questions whose answer is what a person is called: it needs a visible letter or
# digit, like a client's name (people/contact.py).
NAME_QUESTIONS = frozenset({"preferred_name"})


def _read_text(question: Question, text: str, _context: AnswerContext) -> str:
    text = visible_text(text)
    if not text or (question.key in NAME_QUESTIONS and not has_letter_or_digit(text)):
        raise InvalidAnswer("empty")
    if len(text) > question.max_length:
        raise InvalidAnswer("too_long", maximum=question.max_length)
    return text


def _read_number(question: Question, text: str, _context: AnswerContext) -> float:
    try:
        value, suffix = parse_number(text)
    except UnitError as error:
        raise InvalidAnswer(error.code) from None
    if suffix and suffix != (question.unit or "").lower():
        raise InvalidAnswer("unknown_unit", unit=suffix, expected=question.unit or "")
    return _in_range(question, value, question.decimals)


def _read_scale(question: Question, text: str, _context: AnswerContext) -> int:
    try:
        value, suffix = parse_number(text)
    except UnitError as error:
        raise InvalidAnswer(error.code) from None
    low, high = question.scale
    if suffix or value != int(value):
        raise InvalidAnswer("not_a_whole_number", minimum=low, maximum=high)
    if not low <= value <= high:
        raise InvalidAnswer("too_small" if value < low else "too_large", minimum=low, maximum=high)
    return int(value)


def _read_metric(question: Question, text: str, context: AnswerContext) -> float:
    assert question.metric is not None
    try:
        value = to_si(text, question.metric, context.units)
    except UnitError as error:
        raise InvalidAnswer(error.code, unit=error.unit) from None
    return _in_range(question, value, 2)


def _in_range(question: Question, value: float, decimals: int) -> float:
    if question.minimum is not None and value < question.minimum:
        raise InvalidAnswer("too_small", minimum=question.minimum, maximum=question.maximum)
    if question.maximum is not None and value > question.maximum:
        raise InvalidAnswer("too_large", minimum=question.minimum, maximum=question.maximum)
    if round(value, decimals) != round(value, 6) and question.kind is QuestionKind.number:
        raise InvalidAnswer("too_precise", decimals=decimals)
    return round(value, decimals)


_YES = {"yes", "y", "ja", "sim", "да", "true", "1", "👍"}
_NO = {"no", "n", "nein", "não", "nao", "нет", "false", "0", "👎"}


def _read_yes_no(_question: Question, text: str, _context: AnswerContext) -> bool:
    word = text.strip().lower().rstrip(".!")
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise InvalidAnswer("not_yes_or_no")


def _read_date(question: Question, text: str, context: AnswerContext) -> str:
    try:
        typed = parse_date(text, month_first=not context.day_first, today=context.today)
    except (ValueError, OverflowError):
        raise InvalidAnswer("not_a_date") from None
    parsed = typed.value
    if question.past_only and parsed > context.today:
        raise InvalidAnswer("in_the_future")
    if question.future_only and parsed < context.today:
        raise InvalidAnswer("in_the_past")
    if typed.ambiguous:  # sent back as ISO once confirmed, which is never ambiguous
        raise InvalidAnswer("confirm_date", date=parsed.isoformat())
    return parsed.isoformat()


def _read_timezone(_question: Question, text: str, _context: AnswerContext) -> str:
    """'Europe/Berlin', 'europe/berlin', 'Berlin' or 'new york' -> an IANA zone name."""
    wanted = "_".join(text.split()).lower()
    zones = sorted(available_timezones())
    for zone in zones:
        if zone.lower() == wanted:
            return zone
    cities = [z for z in zones if "/" in z and z.rsplit("/", 1)[1].lower() == wanted]
    if not cities:
        raise InvalidAnswer("unknown_timezone")
    return cities[0]


_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2})?)?(am|pm|a\.m\.|p\.m\.|uhr)?$")


def _read_time(_question: Question, text: str, _context: AnswerContext) -> str:
    """'7:30', '07.30', '19h', '19 Uhr', '7 pm' -> '07:30', '19:00', '19:00', '19:00'."""
    match = _TIME.match(text.strip().lower().replace(" ", ""))
    if not match:
        raise InvalidAnswer("not_a_time")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3) and match.group(3) != "uhr":
        if not 1 <= hour <= 12:
            raise InvalidAnswer("not_a_time")
        hour = hour % 12 + (12 if match.group(3).startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise InvalidAnswer("not_a_time")
    return f"{hour:02d}:{minute:02d}"


_READERS = {
    QuestionKind.text: _read_text,
    QuestionKind.number: _read_number,
    QuestionKind.scale: _read_scale,
    QuestionKind.metric: _read_metric,
    QuestionKind.yes_no: _read_yes_no,
    QuestionKind.date: _read_date,
    QuestionKind.timezone: _read_timezone,
    QuestionKind.time: _read_time,
}
