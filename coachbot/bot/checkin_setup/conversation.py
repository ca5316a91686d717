"""The coach adds a question to a check-in template: its kind, its wording, what the kind
needs (a unit, the options, how many photos, which measurement), optional or not. It is
saved as the template's next version, then the template is shown again."""

from __future__ import annotations

import re
from typing import TypedDict

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from coachbot.bot import keyboards
from coachbot.bot.callbacks import SkipCb, TemplateAction, TemplateCb
from coachbot.bot.checkin_setup.keyboards import (
    KINDS,
    METRICS,
    OPTIONAL,
    PHOTO_BUTTONS,
    REQUIRED,
    kind_keyboard,
    metric_keyboard,
    optional_keyboard,
    photos_keyboard,
)
from coachbot.bot.checkin_setup.templates import send_template
from coachbot.bot.checkin_setup.texts import (
    explain_edit_refusal,
    kind_name,
    metric_name,
    photos_label,
)
from coachbot.bot.filters import IsCoach
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import escape, fmt
from coachbot.domain.checkins.setup import EditCheckinTemplate, TemplateEdit
from coachbot.domain.forms.questions import Option, Question, QuestionKind
from coachbot.domain.forms.units import Metric
from coachbot.domain.people.identity import Identity
from coachbot.domain.shared.errors import InvalidDetailError
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.message.filter(IsCoach())
router.callback_query.filter(IsCoach())

CHOICES = (QuestionKind.single_choice, QuestionKind.multi_choice)
PROMPT_MAX_LENGTH = 200
OPTIONS_MIN, OPTIONS_MAX, OPTION_MAX_LENGTH = 2, 10, 40
PHOTOS_MAX = 10
UNIT = re.compile(r"[^\d\s]{1,12}")  # what a client can type after the number


class QuestionSetup(StatesGroup):
    kind = State()
    prompt = State()
    unit = State()  # number
    options = State()  # single or multi choice
    photos = State()  # photo
    metric = State()  # metric
    optional = State()


class QuestionData(TypedDict, total=False):
    template_id: int
    kind: str
    prompt: str
    unit: str
    options: list[str]
    max_photos: int
    metric: str


@router.callback_query(TemplateCb.filter((F.action == TemplateAction.add) & (F.value == "")))
async def start_adding(
    query: CallbackQuery,
    callback_data: TemplateCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    # Whose template it is is checked now, not only when the question is saved.
    view = await uc.checkins.edit_checkin_template(
        EditCheckinTemplate(coach_id=identity.coach_id, template_id=callback_data.template_id)
    )
    await state.set_state(QuestionSetup.kind)
    await state.set_data(QuestionData(template_id=view.template.id or 0))
    if isinstance(query.message, Message):
        await query.message.answer(
            fmt(
                _("A new question for <b>{name}</b>. What kind of question?"),
                name=escape(view.template.name),
            ),
            reply_markup=kind_keyboard(view.template.id or 0),
        )


@router.callback_query(
    QuestionSetup.kind,
    TemplateCb.filter((F.action == TemplateAction.kind) & F.value.in_(KINDS)),
)
async def kind_picked(query: CallbackQuery, callback_data: TemplateCb, state: FSMContext) -> None:
    kind = QuestionKind(callback_data.value)
    await state.update_data(kind=kind.value)
    await state.set_state(QuestionSetup.prompt)
    if isinstance(query.message, Message):
        await query.message.edit_text(
            fmt(_("New question: <b>{kind}</b>"), kind=kind_name(kind)), reply_markup=None
        )
        await query.message.answer(
            _("Send the question as your clients will read it, e.g. “How did you sleep?”"),
            reply_markup=keyboards.cancel_only(),
        )


@router.message(QuestionSetup.prompt, F.text)
async def prompt_typed(message: Message, state: FSMContext) -> None:
    prompt = " ".join((message.text or "").split())
    if not prompt:
        await message.answer(_("Please send the question as text, or /cancel."))
        return
    if len(prompt) > PROMPT_MAX_LENGTH:
        await message.answer(
            fmt(
                _("That is too long: a question can be {maximum} characters at most."),
                maximum=PROMPT_MAX_LENGTH,
            )
        )
        return
    await state.update_data(prompt=prompt)
    data: QuestionData = await state.get_data()  # type: ignore[assignment]
    kind = QuestionKind(data["kind"])
    template_id = data["template_id"]
    if kind is QuestionKind.number:
        await state.set_state(QuestionSetup.unit)
        await message.answer(
            _("In what unit is the answer, e.g. km, h or steps? Send it, or tap Skip."),
            reply_markup=keyboards.skip_or_cancel(),
        )
    elif kind in CHOICES:
        await state.set_state(QuestionSetup.options)
        await message.answer(options_request(), reply_markup=keyboards.cancel_only())
    elif kind is QuestionKind.photo:
        await state.set_state(QuestionSetup.photos)
        await message.answer(
            fmt(
                _("How many photos at most? Tap one, or send a number from 1 to {maximum}."),
                maximum=PHOTOS_MAX,
            ),
            reply_markup=photos_keyboard(template_id),
        )
    elif kind is QuestionKind.metric:
        await state.set_state(QuestionSetup.metric)
        await message.answer(
            _(
                "Which measurement? Your client's answer is converted to kg, cm or % and "
                "recorded with their measurements, so it shows in their progress."
            ),
            reply_markup=metric_keyboard(template_id),
        )
    else:
        await ask_optional(message, state)


@router.message(QuestionSetup.unit, F.text)
async def unit_typed(message: Message, state: FSMContext) -> None:
    unit = (message.text or "").strip()
    if not UNIT.fullmatch(unit):
        await message.answer(
            _(
                "Please send a short unit without spaces or digits, like km or h, "
                "or tap Skip if the answer has none."
            ),
            reply_markup=keyboards.skip_or_cancel(),
        )
        return
    await state.update_data(unit=unit)
    await ask_optional(message, state)


@router.callback_query(QuestionSetup.unit, SkipCb.filter())
async def unit_skipped(query: CallbackQuery, state: FSMContext) -> None:
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await ask_optional(query.message, state)


@router.message(QuestionSetup.options, F.text)
async def options_typed(message: Message, state: FSMContext) -> None:
    options = [" ".join(line.split()) for line in (message.text or "").splitlines()]
    options = [option for option in options if option]
    refusal = options_refusal(options)
    if refusal:
        await message.answer(refusal + "\n\n" + options_request())
        return
    await state.update_data(options=options)
    await ask_optional(message, state)


@router.callback_query(
    QuestionSetup.photos,
    TemplateCb.filter((F.action == TemplateAction.add) & F.value.in_(PHOTO_BUTTONS)),
)
async def photos_picked(query: CallbackQuery, callback_data: TemplateCb, state: FSMContext) -> None:
    count = int(callback_data.value)
    await state.update_data(max_photos=count)
    if isinstance(query.message, Message):
        await query.message.edit_text(photos_label(count), reply_markup=None)
        await ask_optional(query.message, state)


@router.message(QuestionSetup.photos, F.text)
async def photos_typed(message: Message, state: FSMContext) -> None:
    text = (message.text or "").strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= PHOTOS_MAX:
        template_id = (await state.get_data())["template_id"]
        await message.answer(
            fmt(
                _("Please send a number from 1 to {maximum}, or tap one of the buttons."),
                maximum=PHOTOS_MAX,
            ),
            reply_markup=photos_keyboard(template_id),
        )
        return
    await state.update_data(max_photos=int(text))
    await ask_optional(message, state)


@router.callback_query(
    QuestionSetup.metric,
    TemplateCb.filter((F.action == TemplateAction.metric) & F.value.in_(METRICS)),
)
async def metric_picked(query: CallbackQuery, callback_data: TemplateCb, state: FSMContext) -> None:
    metric = Metric(callback_data.value)
    await state.update_data(metric=metric.value)
    if isinstance(query.message, Message):
        await query.message.edit_text(
            fmt(_("Measurement: <b>{metric}</b>"), metric=metric_name(metric)),
            reply_markup=None,
        )
        await ask_optional(query.message, state)


@router.callback_query(
    QuestionSetup.optional,
    TemplateCb.filter((F.action == TemplateAction.add) & F.value.in_({OPTIONAL, REQUIRED})),
)
async def save_question(
    query: CallbackQuery,
    callback_data: TemplateCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    if not isinstance(query.message, Message):
        return
    optional = callback_data.value == OPTIONAL
    data: QuestionData = await state.get_data()  # type: ignore[assignment]
    await query.message.edit_text(
        _("Optional: the client can skip it.")
        if optional
        else _("Required: the client has to answer it."),
        reply_markup=None,
    )
    language = identity.user.language
    try:
        view = await uc.checkins.edit_checkin_template(
            EditCheckinTemplate(
                coach_id=identity.coach_id,
                template_id=data["template_id"],
                action=TemplateEdit.add,
                question=new_question(data, language, optional),
            )
        )
    except InvalidDetailError as error:
        await state.clear()
        await query.message.answer(explain_edit_refusal(error))
        return
    await state.clear()
    await send_template(query.message, view, language, _("Question added ✅"))


@router.message(StateFilter(QuestionSetup.kind, QuestionSetup.metric, QuestionSetup.optional))
async def remind_to_choose(message: Message, state: FSMContext) -> None:
    current = await state.get_state()
    template_id = (await state.get_data())["template_id"]
    markup = {
        QuestionSetup.kind.state: kind_keyboard,
        QuestionSetup.metric.state: metric_keyboard,
        QuestionSetup.optional.state: optional_keyboard,
    }[current or ""](template_id)
    await message.answer(_("Please choose one of the buttons."), reply_markup=markup)


@router.message(StateFilter(QuestionSetup))
async def not_text(message: Message) -> None:
    await message.answer(_("Please send that as text, or /cancel."))


async def ask_optional(message: Message, state: FSMContext) -> None:
    await state.set_state(QuestionSetup.optional)
    template_id = (await state.get_data())["template_id"]
    await message.answer(
        _("Can your clients skip this question?"), reply_markup=optional_keyboard(template_id)
    )


def new_question(data: QuestionData, language: str, optional: bool) -> Question:
    """The question as typed; the template gives it its key. The coach's wording goes
    under English too, so that every client sees it whatever their language."""
    kind = QuestionKind(data["kind"])
    prompt = in_every_language(data["prompt"], language)
    options = tuple(
        Option(f"o{number}", in_every_language(label, language))
        for number, label in enumerate(data.get("options", []), start=1)
    )
    metric = data.get("metric")
    return Question(
        key="new",
        kind=kind,
        prompt=prompt,
        optional=optional,
        unit=data.get("unit") or None,
        options=options if kind in CHOICES else (),
        max_photos=data.get("max_photos", 3),
        metric=Metric(metric) if metric else None,
    )


def in_every_language(text: str, language: str) -> dict[str, str]:
    return {"en": text, language: text}


def options_request() -> str:
    return fmt(
        _(
            "Send the options, one per line: {minimum} to {maximum} of them, each up to "
            "{length} characters."
        ),
        minimum=OPTIONS_MIN,
        maximum=OPTIONS_MAX,
        length=OPTION_MAX_LENGTH,
    )


def options_refusal(options: list[str]) -> str:
    if len(options) < OPTIONS_MIN:
        return fmt(
            _("Please send at least {minimum} options, each on its own line."), minimum=OPTIONS_MIN
        )
    if len(options) > OPTIONS_MAX:
        return fmt(
            _("That is {count} options: {maximum} at most, please."),
            count=len(options),
            maximum=OPTIONS_MAX,
        )
    for option in options:
        if len(option) > OPTION_MAX_LENGTH:
            return fmt(
                _("“{option}” is longer than {length} characters."),
                option=escape(option),
                length=OPTION_MAX_LENGTH,
            )
    seen: set[str] = set()
    for option in options:
        if option.casefold() in seen:
            return fmt(_("“{option}” is there twice."), option=escape(option))
        seen.add(option.casefold())
    return ""
