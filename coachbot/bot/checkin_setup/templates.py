"""The coach's check-in templates (their questions: order, optional or required, removal;
new templates by name) and follow-up rules (reminder, missed, coach alert).

Adding a question is a conversation of its own: `conversations/checkin_template.py`.
"""

from __future__ import annotations

import re
from typing import TypedDict

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder

from coachbot.bot import keyboards
from coachbot.bot.callbacks import MenuAction, MenuCb, RulesCb, TemplateAction, TemplateCb
from coachbot.bot.filters import IsCoach
from coachbot.bot.forms.rendering import wording
from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.texts import escape
from coachbot.domain.checkins.model import CheckinRules
from coachbot.domain.checkins.setup import (
    EditCheckinTemplate,
    ListCheckinTemplates,
    NewCheckinTemplate,
    SetCheckinRules,
    TemplateEdit,
    TemplateView,
)
from coachbot.domain.checkins.templates import MAX_QUESTIONS
from coachbot.domain.forms.questions import Question, QuestionKind
from coachbot.domain.forms.units import Metric
from coachbot.domain.people.identity import Identity
from coachbot.domain.shared.errors import InvalidDetailError
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.message.filter(IsCoach())
router.callback_query.filter(IsCoach())

TEMPLATE_LIST = 0  # TemplateCb(template_id=0, action=show): back to the list of templates
EDITS = {
    TemplateAction.up: TemplateEdit.up,
    TemplateAction.down: TemplateEdit.down,
    TemplateAction.optional: TemplateEdit.optional,
    TemplateAction.remove: TemplateEdit.remove,
}
RULE_FIELDS = ("nudge", "grace", "alert")
MAX_GRACE_HOURS = 24 * 14  # CheckinRules: the grace period ends within 14 days
MAX_ALERT_MISSES = 10
WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")


class TemplateSetup(StatesGroup):
    name = State()  # of a new template
    rule = State()  # a new value for one follow-up rule


class RuleData(TypedDict):
    field: str


# -- templates ----------------------------------------------------------------------------


@router.callback_query(MenuCb.filter(F.action == MenuAction.templates))
async def show_templates(
    query: CallbackQuery,
    identity: Identity,
    uc: UseCases,
) -> None:
    views = await uc.checkins.list_checkin_templates(
        ListCheckinTemplates(coach_id=identity.coach_id, default_name=_("Weekly check-in"))
    )
    if isinstance(query.message, Message):
        await query.message.answer(render_templates(views), reply_markup=templates_keyboard(views))


@router.callback_query(
    TemplateCb.filter((F.action == TemplateAction.show) & (F.template_id == TEMPLATE_LIST))
)
async def back_to_templates(
    query: CallbackQuery,
    identity: Identity,
    uc: UseCases,
) -> None:
    views = await uc.checkins.list_checkin_templates(
        ListCheckinTemplates(coach_id=identity.coach_id, default_name=_("Weekly check-in"))
    )
    if isinstance(query.message, Message):
        await edit(query.message, render_templates(views), templates_keyboard(views))


@router.callback_query(TemplateCb.filter(F.action == TemplateAction.show))
async def show_template(
    query: CallbackQuery,
    callback_data: TemplateCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    view = await uc.checkins.edit_checkin_template(
        EditCheckinTemplate(coach_id=identity.coach_id, template_id=callback_data.template_id)
    )
    if isinstance(query.message, Message):
        language = identity.user.language
        await edit(
            query.message, render_template(view, language), template_keyboard(view, language)
        )


@router.callback_query(TemplateCb.filter(F.action == TemplateAction.question))
async def show_question(
    query: CallbackQuery,
    callback_data: TemplateCb,
    identity: Identity,
    uc: UseCases,
    callback_answer: CallbackAnswer,
) -> None:
    view = await uc.checkins.edit_checkin_template(
        EditCheckinTemplate(coach_id=identity.coach_id, template_id=callback_data.template_id)
    )
    if not isinstance(query.message, Message):
        return
    language = identity.user.language
    if callback_data.value not in {q.key for q in view.form.questions}:
        callback_answer.text = _("That question is no longer in this template.")
        await edit(
            query.message, render_template(view, language), template_keyboard(view, language)
        )
        return
    await edit(
        query.message,
        render_template(view, language, selected=callback_data.value),
        question_keyboard(view, callback_data.value, language),
    )


@router.callback_query(TemplateCb.filter(F.action.in_(EDITS)))
async def edit_template(
    query: CallbackQuery,
    callback_data: TemplateCb,
    identity: Identity,
    uc: UseCases,
    callback_answer: CallbackAnswer,
) -> None:
    key = callback_data.value
    try:
        view = await uc.checkins.edit_checkin_template(
            EditCheckinTemplate(
                coach_id=identity.coach_id,
                template_id=callback_data.template_id,
                action=EDITS[callback_data.action],
                question_key=key,
            )
        )
    except InvalidDetailError as error:
        callback_answer.text = explain_edit_refusal(error)
        callback_answer.show_alert = True
        if error.code == "unknown":  # a button of an older version: show the current one
            await show_template(query, callback_data, identity, uc)
        return
    if not isinstance(query.message, Message):
        return
    language = identity.user.language
    if callback_data.action is TemplateAction.remove:
        callback_answer.text = _("Question removed.")
        await edit(
            query.message, render_template(view, language), template_keyboard(view, language)
        )
        return
    callback_answer.text = edit_done(callback_data.action, view, key)
    await edit(
        query.message,
        render_template(view, language, selected=key),
        question_keyboard(view, key, language),
    )


def edit_done(action: TemplateAction, view: TemplateView, key: str) -> str:
    if action is TemplateAction.optional:
        return _("Now optional.") if view.form.question(key).optional else _("Now required.")
    number = [q.key for q in view.form.questions].index(key) + 1
    return _("Now question {number}.").format(number=number)


@router.callback_query(TemplateCb.filter(F.action == TemplateAction.new))
async def ask_template_name(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(TemplateSetup.name)
    await state.set_data({})
    if isinstance(query.message, Message):
        await query.message.answer(
            _(
                "What should the new template be called? It starts as a copy of the "
                "weekly check-in; then you change its questions."
            ),
            reply_markup=keyboards.cancel_only(),
        )


@router.message(TemplateSetup.name, F.text)
async def create_template(
    message: Message,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    try:
        view = await uc.checkins.new_checkin_template(
            NewCheckinTemplate(coach_id=identity.coach_id, name=message.text or "")
        )
    except InvalidDetailError:
        await message.answer(_("Please send a name of 1 to 64 characters, or /cancel."))
        return
    await state.clear()
    await send_template(message, view, identity.user.language, _("Template created ✅"))


@router.message(TemplateSetup.name)
async def template_name_not_text(message: Message) -> None:
    await message.answer(_("Please send the name as text, or /cancel."))


async def send_template(message: Message, view: TemplateView, language: str, header: str) -> None:
    """The template as a new message, after a change made in a conversation."""
    await message.answer(
        header + "\n\n" + render_template(view, language),
        reply_markup=template_keyboard(view, language),
    )


def render_templates(views: list[TemplateView]) -> str:
    lines = [_("<b>Your check-in templates</b>")]
    for number, view in enumerate(views, start=1):
        count = len(view.form.questions)
        questions = ngettext("{count} question", "{count} questions", count).format(count=count)
        lines.append(f"{number}. {escape(view.template.name)} · {questions}")
    lines += ["", _("Tap a template to see and change its questions.")]
    return "\n".join(lines)


def templates_keyboard(views: list[TemplateView]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for view in views:
        builder.button(
            text=shorten(view.template.name, 40),
            callback_data=TemplateCb(template_id=view.template.id or 0, action=TemplateAction.show),
        )
    builder.button(
        text=_("➕ New template"),
        callback_data=TemplateCb(template_id=TEMPLATE_LIST, action=TemplateAction.new),
    )
    builder.adjust(1)
    return builder.as_markup()


def render_template(view: TemplateView, language: str, selected: str | None = None) -> str:
    """The questions numbered, each with its kind and whether it can be skipped; the
    `selected` one stands out."""
    questions = view.form.questions
    count = len(questions)
    limit = 80 if count <= 20 else 50  # a message holds 4096 characters
    numbers = {question.key: number for number, question in enumerate(questions, start=1)}
    lines = [
        f"<b>{escape(view.template.name)}</b> · "
        + ngettext("{count} question", "{count} questions", count).format(count=count),
        "",
    ]
    for number, question in enumerate(questions, start=1):
        details = [kind_label(question)]
        if question.show_if is not None and question.show_if.key in numbers:
            details.append(_("follow-up to {number}").format(number=numbers[question.show_if.key]))
        if question.optional:
            details.append(_("optional"))
        prompt = escape(shorten(wording(question.prompt, language), limit))
        line = f"{number}. {prompt} · " + " · ".join(details)
        lines.append(f"👉 <b>{line}</b>" if question.key == selected else line)
    lines.append("")
    if selected is not None and selected in numbers:
        question = view.form.question(selected)
        if question.options:
            labels = ", ".join(escape(wording(o.label, language)) for o in question.options)
            lines.append(_("Options: {options}").format(options=labels))
        lines.append(
            _("Question {number}: move it, make it optional or required, or remove it.").format(
                number=numbers[selected]
            )
        )
    else:
        lines.append(
            _(
                "Tap a question to move it, make it optional or remove it. Changes apply to "
                "check-ins from now on; those already started keep their questions."
            )
        )
    return "\n".join(lines)


def kind_label(question: Question) -> str:
    match question.kind:
        case QuestionKind.number if question.unit:
            return _("number ({unit})").format(unit=escape(question.unit))
        case QuestionKind.scale:
            return _("scale {low}–{high}").format(low=question.scale[0], high=question.scale[1])
        case QuestionKind.single_choice:
            return _("one choice of {count}").format(count=len(question.options))
        case QuestionKind.multi_choice:
            return _("several choices of {count}").format(count=len(question.options))
        case QuestionKind.photo:
            count = question.max_photos
            return ngettext("up to {count} photo", "up to {count} photos", count).format(
                count=count
            )
        case QuestionKind.metric if question.metric is not None:
            return _("measurement: {metric}").format(metric=metric_name(question.metric))
    labels = {
        QuestionKind.text: _("text"),
        QuestionKind.number: _("number"),
        QuestionKind.yes_no: _("yes/no"),
        QuestionKind.date: _("date"),
        QuestionKind.timezone: _("time zone"),
        QuestionKind.time: _("time of day"),
    }
    return labels.get(question.kind, question.kind.value)


def metric_name(metric: Metric) -> str:
    names = {
        Metric.weight: _("Weight"),
        Metric.height: _("Height"),
        Metric.waist: _("Waist"),
        Metric.hips: _("Hips"),
        Metric.chest: _("Chest"),
        Metric.arm: _("Arm"),
        Metric.thigh: _("Thigh"),
        Metric.body_fat: _("Body fat"),
    }
    return names[metric]


def template_keyboard(view: TemplateView, language: str) -> InlineKeyboardMarkup:
    template_id = view.template.id or 0
    builder = InlineKeyboardBuilder()
    for number, question in enumerate(view.form.questions, start=1):
        builder.button(
            text=f"{number}. " + shorten(wording(question.prompt, language), 30),
            callback_data=TemplateCb(
                template_id=template_id, action=TemplateAction.question, value=question.key
            ),
        )
    builder.button(
        text=_("➕ Add question"),
        callback_data=TemplateCb(template_id=template_id, action=TemplateAction.add),
    )
    builder.button(
        text=_("⬅ Templates"),
        callback_data=TemplateCb(template_id=TEMPLATE_LIST, action=TemplateAction.show),
    )
    builder.adjust(1)
    return builder.as_markup()


def question_keyboard(view: TemplateView, key: str, language: str) -> InlineKeyboardMarkup:
    template_id = view.template.id or 0
    keys = [q.key for q in view.form.questions]
    question = view.form.question(key)

    def button(label: str, action: TemplateAction, value: str = key) -> None:
        builder.button(
            text=label,
            callback_data=TemplateCb(template_id=template_id, action=action, value=value),
        )

    builder = InlineKeyboardBuilder()
    moves = 0
    if keys[0] != key:
        button(_("⬆ Up"), TemplateAction.up)
        moves += 1
    if keys[-1] != key:
        button(_("⬇ Down"), TemplateAction.down)
        moves += 1
    button(
        _("Optional → make required") if question.optional else _("Required → make optional"),
        TemplateAction.optional,
    )
    button(_("🗑 Remove"), TemplateAction.remove)
    button(_("⬅ Back"), TemplateAction.show, "")
    builder.adjust(*([moves] if moves else []), 1, 1, 1)
    return builder.as_markup()


def explain_edit_refusal(error: InvalidDetailError) -> str:
    texts = {
        "last_one": _("A template needs at least one question, so this one cannot be removed."),
        "others_depend": _(
            "Another question is asked only after a certain answer to this one. Remove that "
            "follow-up question first."
        ),
        "order_breaks_condition": _(
            "A follow-up question has to stay below the question it depends on."
        ),
        "too_many": _("A template can have {count} questions at most.").format(count=MAX_QUESTIONS),
        "unknown": _("That question is no longer in this template."),
    }
    return texts.get(error.code, _("That change is not possible."))


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def edit(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Show another view in the same message. A double tap can ask for the view the
    message already shows, which Telegram refuses as "not modified": nothing to do then."""
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as error:
        if "message is not modified" not in str(error):
            raise


# -- follow-up rules ----------------------------------------------------------------------


@router.callback_query(MenuCb.filter(F.action == MenuAction.checkin_rules))
async def show_rules(query: CallbackQuery, identity: Identity, uc: UseCases) -> None:
    rules = await uc.checkins.set_checkin_rules(SetCheckinRules(coach_id=identity.coach_id))
    if isinstance(query.message, Message):
        await query.message.answer(render_rules(rules), reply_markup=rules_keyboard(rules))


@router.callback_query(RulesCb.filter(F.field.in_(RULE_FIELDS)))
async def ask_rule(
    query: CallbackQuery,
    callback_data: RulesCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    rules = await uc.checkins.set_checkin_rules(SetCheckinRules(coach_id=identity.coach_id))
    await state.set_state(TemplateSetup.rule)
    await state.set_data(RuleData(field=callback_data.field))
    if isinstance(query.message, Message):
        await query.message.answer(
            rule_question(callback_data.field, rules), reply_markup=keyboards.cancel_only()
        )


@router.message(TemplateSetup.rule, F.text)
async def change_rule(
    message: Message,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    field = (await state.get_data()).get("field", "")
    if field not in RULE_FIELDS:
        await state.clear()
        return
    text = (message.text or "").strip()
    if not WHOLE_NUMBER.fullmatch(text):
        rules = await uc.checkins.set_checkin_rules(SetCheckinRules(coach_id=identity.coach_id))
        low, high = rule_bounds(field, rules)
        await message.answer(
            _("Please send a whole number from {minimum} to {maximum}.").format(
                minimum=low, maximum=high
            )
        )
        return
    value = int(text)
    try:
        rules = await uc.checkins.set_checkin_rules(
            SetCheckinRules(
                coach_id=identity.coach_id,
                nudge_after_hours=value if field == "nudge" else None,
                grace_hours=value if field == "grace" else None,
                alert_after_misses=value if field == "alert" else None,
            )
        )
    except InvalidDetailError:
        rules = await uc.checkins.set_checkin_rules(SetCheckinRules(coach_id=identity.coach_id))
        await message.answer(explain_rule_bounds(field, rules))
        return
    await state.clear()
    await message.answer(
        _("Saved ✅") + "\n\n" + render_rules(rules), reply_markup=rules_keyboard(rules)
    )


@router.message(TemplateSetup.rule)
async def rule_not_text(message: Message) -> None:
    await message.answer(_("Please send a whole number, or /cancel."))


def render_rules(rules: CheckinRules) -> str:
    return "\n".join(
        [
            _("<b>Check-in follow-ups</b>"),
            _(
                "Reminder again after {nudge} h if not finished; counted as missed after "
                "{grace} h (the client gets a friendly follow-up); you are alerted after "
                "{count} missed in a row."
            ).format(
                nudge=rules.nudge_after_hours,
                grace=rules.grace_hours,
                count=rules.alert_after_misses,
            ),
            "",
            _("The hours count from when a check-in is due. These apply to all your clients."),
        ]
    )


def rules_keyboard(rules: CheckinRules) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    labels = {
        "nudge": _("🔔 Reminder after {count} h").format(count=rules.nudge_after_hours),
        "grace": _("⌛ Missed after {count} h").format(count=rules.grace_hours),
        "alert": _("🚨 Alert after {count} missed").format(count=rules.alert_after_misses),
    }
    for field in RULE_FIELDS:
        builder.button(text=labels[field], callback_data=RulesCb(field=field))
    builder.adjust(1)
    return builder.as_markup()


def rule_bounds(field: str, rules: CheckinRules) -> tuple[int, int]:
    """The values one rule can take while the others stay (see CheckinRules)."""
    if field == "nudge":
        return 1, rules.grace_hours - 1
    if field == "grace":
        return rules.nudge_after_hours + 1, MAX_GRACE_HOURS
    return 1, MAX_ALERT_MISSES


def rule_question(field: str, rules: CheckinRules) -> str:
    low, high = rule_bounds(field, rules)
    texts = {
        "nudge": _(
            "How many hours after a check-in is due should an unfinished one be reminded "
            "again? Now: {current} h. Send a whole number from {minimum} to {maximum}."
        ),
        "grace": _(
            "After how many hours does an unfinished check-in count as missed (the client "
            "then gets a friendly follow-up)? Now: {current} h. Send a whole number from "
            "{minimum} to {maximum}."
        ),
        "alert": _(
            "After how many missed check-ins in a row should you be alerted? Now: {current}. "
            "Send a whole number from {minimum} to {maximum}."
        ),
    }
    return texts[field].format(current=rule_value(field, rules), minimum=low, maximum=high)


def rule_value(field: str, rules: CheckinRules) -> int:
    return {
        "nudge": rules.nudge_after_hours,
        "grace": rules.grace_hours,
        "alert": rules.alert_after_misses,
    }[field]


def explain_rule_bounds(field: str, rules: CheckinRules) -> str:
    low, high = rule_bounds(field, rules)
    texts = {
        "nudge": _(
            "The reminder has to come before the check-in counts as missed (after {grace} h). "
            "Please send a whole number from {minimum} to {maximum}."
        ),
        "grace": _(
            "A check-in can count as missed only after the reminder ({nudge} h) and within "
            "14 days. Please send a whole number from {minimum} to {maximum}."
        ),
        "alert": _("Please send a whole number from {minimum} to {maximum}."),
    }
    return texts[field].format(
        grace=rules.grace_hours, nudge=rules.nudge_after_hours, minimum=low, maximum=high
    )
