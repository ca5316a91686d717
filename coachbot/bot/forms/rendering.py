"""Rendering form questions and explaining refused answers, in the person's language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel.dates import format_date
from babel.numbers import format_decimal

from coachbot.bot.callbacks import FormAction, FormCb
from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.keyboards import button, laid_out, rows_of
from coachbot.bot.markup import bold, escape, fmt, join, long_text, stack
from coachbot.domain.checkins.photos import InvalidPhoto
from coachbot.domain.forms.dates import example_date, format_numeric, month_first
from coachbot.domain.forms.questions import InvalidAnswer, Question, QuestionKind, Text
from coachbot.domain.forms.units import (
    EXAMPLES,
    Dimension,
    Metric,
    UnitSystem,
    from_si,
    other_system,
    unit_symbol,
)
from coachbot.domain.forms.use_cases import FormStep
from coachbot.domain.people.model import User


def wording(text: Text, language: str) -> str:
    return text.get(language) or text["en"]


def question_text(step: FormStep, user: User) -> str:
    question = step.question
    assert question is not None
    lines = [
        fmt(
            "<i>{title}</i> · {number}",
            title=wording(step.form.title, user.language),
            number=fmt(_("question {number}"), number=step.answered + 1),
        ),
        "",
        bold(wording(question.prompt, user.language)),
    ]
    # A form that asks for units (the profile) measures in them from its next question.
    units = UnitSystem(step.answers.get("units") or user.units)
    hint = _hint(question, user, units)
    if hint:
        lines += ["", fmt("<i>{hint}</i>", hint=hint)]
    return stack(lines)


def _hint(question: Question, user: User, units: UnitSystem) -> str:
    if question.kind is QuestionKind.metric:
        assert question.metric is not None
        return measurement_hint(question.metric, units, user.language)
    if question.kind is QuestionKind.number:
        if question.unit:
            return fmt(_("Send a number (in {unit})."), unit=escape(question.unit))
        return _("Send a number.")
    if question.kind is QuestionKind.date:
        return fmt(_("Send a date, for example {example}."), example=date_example(user))
    if question.kind is QuestionKind.photo:
        return fmt(_("Send up to {count} photos."), count=question.max_photos)
    if question.kind is QuestionKind.multi_choice:
        return _("Tap every option that applies, then Done.")
    if question.kind is QuestionKind.time:
        return _("Send a time of day, for example 08:00.")
    if question.kind is QuestionKind.timezone:
        return _("Or send your city, for example Lisbon, or share your location (📎 → Location).")
    return ""


def unit_name(symbol: str) -> str:
    """A unit as a sentence names it: "in inches", never "in in"."""
    return _("inches") if symbol == "in" else symbol


def measurement_hint(metric: Metric, units: UnitSystem, language: str) -> str:
    """How to answer: this measurement's own unit and an example of it, and for weights
    and lengths the other system's unit, which is converted."""

    def example_in(system: UnitSystem) -> str:
        value = format_decimal(EXAMPLES[metric][system], locale=language)
        return f"{value} {unit_symbol(metric, system)}"

    example = example_in(units)
    if metric.dimension is Dimension.percent:
        return fmt(_("Send the number in %, for example {example}."), example=example)
    other = other_system(units)
    return fmt(
        _("Send the number in {unit}, for example {example} (or with another unit, like {other})."),
        unit=unit_name(unit_symbol(metric, units)),
        example=example,
        other=example_in(other),
    )


def month_first_for(user: User) -> bool:
    return month_first(user.language, user.timezone, imperial=user.units == UnitSystem.imperial)


def date_example(user: User, after: date | None = None) -> str:
    """A date as this person writes it: a birthday-like one, or one a few months `after`."""
    if after is None:
        return format_numeric(date(1990, 12, 31), month_first=month_first_for(user))
    return example_date(after, month_first=month_first_for(user))


def long_date(iso: str, user: User) -> str:
    """With the month as a word, so no order is in doubt ("5 January 2027")."""
    return format_date(date.fromisoformat(iso), format="long", locale=user.language)


def confirm_date_text(iso: str, user: User) -> str:
    return fmt(_("{date} — right?"), date=long_date(iso, user))


def confirm_date_keyboard(response_id: int, iso: str) -> InlineKeyboardMarkup:
    yes = FormCb(response_id=response_id, action=FormAction.confirm_date, value=iso)
    no = FormCb(response_id=response_id, action=FormAction.reject_date, value=iso)
    return laid_out([button(_("Yes"), yes), button(_("No"), no)], [2])


def reask_date_text(iso: str) -> str:
    """After No: the other reading, as an example of a date no order can confuse."""
    understood = date.fromisoformat(iso)
    swapped = understood.replace(month=understood.day, day=understood.month)
    return fmt(
        _("Then please send the date as year-month-day, for example {example}."),
        example=swapped.isoformat(),
    )


def question_keyboard(
    step: FormStep, user: User, selected: Sequence[str] = ()
) -> InlineKeyboardMarkup | None:
    """Buttons to answer with and to go Back or Skip; None for a typed first question."""
    question = step.question
    assert question is not None
    rid = step.response_id
    buttons: list[InlineKeyboardButton] = []
    widths: list[int] = []
    if question.kind is QuestionKind.multi_choice:
        for option in question.options:
            tick = "✅ " if option.key in selected else ""
            toggle = FormCb(response_id=rid, action=FormAction.toggle, value=option.key)
            buttons.append(button(tick + wording(option.label, user.language), toggle))
        buttons.append(button(_("Done"), FormCb(response_id=rid, action=FormAction.done)))
        widths += [1] * len(buttons)
    elif question.button_options:
        labels = _button_labels(question, user)
        for option, label in zip(question.button_options, labels, strict=True):
            pick = FormCb(response_id=rid, action=FormAction.pick, value=option.key)
            buttons.append(button(label, pick))
        widths += _rows(question)
    elif question.kind is QuestionKind.photo and step.collecting:
        done = FormCb(response_id=rid, action=FormAction.photos_done)
        buttons.append(button(_("✅ Done"), done))
        widths.append(1)
    navigation = [(_("⬅ Back"), FormAction.back)] if step.answered or step.collecting else []
    if question.optional and not step.collecting:  # photos sent: Done or Back, not Skip
        navigation.append((_("Skip"), FormAction.skip))
    for label, action in navigation:
        buttons.append(button(label, FormCb(response_id=rid, action=action)))
    if navigation:
        widths.append(len(navigation))
    return laid_out(buttons, widths) if buttons else None


def _button_labels(question: Question, user: User) -> list[str]:
    if question.kind is QuestionKind.yes_no:
        return [_("Yes"), _("No")]
    return [wording(option.label, user.language) for option in question.button_options]


def _rows(question: Question) -> list[int]:
    count = len(question.button_options)
    if question.kind is QuestionKind.scale:
        return rows_of(count, 5)
    if question.kind is QuestionKind.yes_no:
        return [2]
    return [1] * count


def explain_refusal(error: InvalidAnswer, question: Question | None, user: User) -> str:
    params = dict(error.params)
    if error.code == "confirm_date":
        params["date_iso"] = params["date"]
        params["date"] = long_date(params["date"], user)
    if question is not None and question.kind is QuestionKind.metric and question.metric:
        units = UnitSystem(user.units)
        symbol = unit_symbol(question.metric, units)
        for bound in ("minimum", "maximum"):
            if params.get(bound) is not None:
                params[bound] = f"{from_si(params[bound], question.metric, units):g} {symbol}"
    texts = {
        "empty": _("Please send an answer."),
        "too_long": _("That is too long: at most {maximum} characters, please."),
        "not_a_number": _("Please send a number, like 72.5."),
        "unknown_unit": _("I do not know that unit. Please send just the number."),
        "too_small": _("That is below the lowest value I can take ({minimum})."),
        "too_large": _("That is above the highest value I can take ({maximum})."),
        "too_precise": _too_precise(params.get("decimals", 0)),
        "not_a_whole_number": _("Please send a whole number from {minimum} to {maximum}."),
        "not_a_date": fmt(
            _("Please send a whole date, like {example}."), example=date_example(user)
        ),
        "confirm_date": _(
            "I read that as {date}, but day and month could be swapped. Please send it "
            "as year-month-day to be sure, for example {date_iso}."
        ),
        "in_the_future": _("That date is in the future. Please check it."),
        "in_the_past": _("That date is in the past. Please check it."),
        "not_yes_or_no": _("Please answer yes or no."),
        "not_a_time": _("Please send a time of day, like 08:00 or 7 pm."),
        "unknown_timezone": _(
            "I do not know that time zone. Choose one of the buttons, or send a city such "
            "as Berlin or New York, or a zone such as Europe/Berlin."
        ),
        "too_many_photos": _("Please send at most {maximum} photos."),
        "photo": _("Please send a photo."),
        "not_a_photo_question": _("This question is not answered with a photo."),
        "no_choice": _("Please choose at least one option, then Done."),
        "required": _("This question cannot be skipped."),
        "at_start": _("This is the first question."),
        "form_complete": _("This form is already complete."),
    }
    text = texts.get(error.code, _("Please choose one of the buttons."))
    return fmt(text, **{k: escape(str(v)) for k, v in params.items()})


def _too_precise(decimals: int) -> str:
    if decimals == 0:
        return _("Please send a whole number.")
    return ngettext(
        "Please use at most {decimals} decimal place.",
        "Please use at most {decimals} decimal places.",
        decimals,
    )


def explain_photo_refusal(error: InvalidPhoto) -> str:
    texts = {
        "too_large": _("That file is too large: photos up to {maximum_mb} MB, please."),
        "too_many_pixels": _("That picture is too large to open. Please send a smaller photo."),
    }
    text = texts.get(
        error.code, _("That is not a photo I can open. Please send a JPEG, PNG or WebP picture.")
    )
    return fmt(text, **{k: escape(str(v)) for k, v in error.params.items()})


def photos_received_text(step: FormStep) -> str:
    """After a photo, while the question takes more."""
    question = step.question
    assert question is not None
    return fmt(
        _("Got it: {count} of up to {maximum} photos. Send another, or tap Done."),
        count=step.collecting,
        maximum=question.max_photos,
    )


def format_answer(question: Question, value: Any, viewer: User, delta: float | None = None) -> str:
    """An answer as the viewer reads it: measurements in their units, options by label,
    and the change since last time for numbers, e.g. (-0.8 kg) with a minus sign."""
    if value is None:
        return "—"
    unit = ""
    shown = value
    if question.kind is QuestionKind.metric and question.metric:
        units = UnitSystem(viewer.units)
        unit = " " + unit_symbol(question.metric, units)
        shown = f"{from_si(float(value), question.metric, units):.1f}"
        delta = from_si(delta, question.metric, units) if delta is not None else None
    elif question.kind is QuestionKind.number:
        unit = fmt(" {unit}", unit=question.unit) if question.unit else ""
        shown = f"{float(value):g}"
    elif question.kind is QuestionKind.scale:
        unit = f"/{question.scale[1]}"
    elif question.kind is QuestionKind.yes_no:
        shown = _("Yes") if value else _("No")
    elif question.kind in (QuestionKind.single_choice, QuestionKind.multi_choice):
        labels = {o.key: wording(o.label, viewer.language) for o in question.options}
        keys = value if isinstance(value, list) else [value]
        shown = join(", ", (labels.get(key) or key for key in keys))
    else:
        shown = long_text(value)
    text = fmt("{shown}{unit}", shown=shown, unit=unit)
    if delta is not None and round(delta, 2) != 0:
        sign = "+" if delta > 0 else "−"
        text = fmt(
            "{text} ({sign}{delta:g}{unit})", text=text, sign=sign, delta=abs(delta), unit=unit
        )
    return text
