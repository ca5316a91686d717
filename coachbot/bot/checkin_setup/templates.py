"""The coach's check-in templates: their questions (order, optional or required,
removal) and new templates by name.

Adding a question is a conversation of its own (`conversation`); the follow-up rules
(reminder, missed, coach alert) are in `rules`.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from coachbot.bot import keyboards
from coachbot.bot.callbacks import MenuAction, MenuCb, TemplateAction, TemplateCb
from coachbot.bot.checkin_setup.keyboards import (
    TEMPLATE_LIST,
    question_keyboard,
    template_keyboard,
    templates_keyboard,
)
from coachbot.bot.checkin_setup.texts import (
    edit_done,
    explain_edit_refusal,
    render_template,
    render_templates,
)
from coachbot.bot.filters import IsCoach
from coachbot.bot.i18n import gettext as _
from coachbot.domain.checkins.setup import (
    EditCheckinTemplate,
    ListCheckinTemplates,
    NewCheckinTemplate,
    TemplateEdit,
    TemplateView,
)
from coachbot.domain.people.identity import Identity
from coachbot.domain.shared.errors import InvalidDetailError
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.message.filter(IsCoach())
router.callback_query.filter(IsCoach())

EDITS = {
    TemplateAction.up: TemplateEdit.up,
    TemplateAction.down: TemplateEdit.down,
    TemplateAction.optional: TemplateEdit.optional,
    TemplateAction.remove: TemplateEdit.remove,
}


class TemplateSetup(StatesGroup):
    name = State()  # of a new template
    rule = State()  # a new value for one follow-up rule


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


async def edit(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Show another view in the same message. A double tap can ask for the view the
    message already shows, which Telegram refuses as "not modified": nothing to do then."""
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as error:
        if "message is not modified" not in str(error):
            raise
