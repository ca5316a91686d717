"""One conversation that runs any form: one question at a time, buttons or typed
answers, wrong answers re-asked with the reason, Back and Skip, ticks for multi choice.

Progress lives in the database after every answer; the FSM only remembers which
response is open and the ticks of a multi-choice question not yet Done.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypedDict

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from coachbot.bot.callbacks import FormAction, FormCb
from coachbot.bot.forms import explain_refusal, question_keyboard, question_text
from coachbot.bot.i18n import gettext as _
from coachbot.domain.forms.questions import InvalidAnswer, QuestionKind
from coachbot.domain.services.forms import (
    AnswerForm,
    AnswerFormUseCase,
    FormStep,
    MoveInForm,
    MoveInFormUseCase,
    ShowForm,
    ShowFormUseCase,
)
from coachbot.domain.services.identity import Identity
from coachbot.integrations.timezones import zone_at

router = Router(name=__name__)

# What happens when a form is complete, by purpose ("onboarding:profile", ...), registered
# by the conversation that started the form; `data` carries "finished_purpose".
Completion = Callable[[Message, FormStep, Identity, FSMContext, dict[str, Any]], Awaitable[None]]
COMPLETIONS: dict[str, Completion] = {}


class FormConversation(StatesGroup):
    answering = State()


class FormData(TypedDict):
    response_id: int
    purpose: str
    selected: list[str]


async def show_step(
    message: Message,
    step: FormStep,
    identity: Identity,
    state: FSMContext,
    purpose: str,
    **data: Any,
) -> None:
    """Ask the next question, or hand the finished form to its purpose."""
    if step.completed:
        await state.clear()
        await COMPLETIONS[purpose](
            message, step, identity, state, {**data, "finished_purpose": purpose}
        )
        return
    await state.set_state(FormConversation.answering)
    await state.set_data(FormData(response_id=step.response_id, purpose=purpose, selected=[]))
    await message.answer(
        question_text(step, identity.user), reply_markup=question_keyboard(step, identity.user)
    )


async def _apply(
    message: Message, identity: Identity, state: FSMContext, change, **data: Any
) -> None:
    """Run an answer or a move; a refusal explains itself and asks the question again."""
    form_data: FormData = await state.get_data()  # type: ignore[assignment]
    try:
        step = await change(form_data["response_id"])
    except InvalidAnswer as error:
        show_form: ShowFormUseCase = data["show_form"]
        step = await show_form(
            ShowForm(user_id=identity.user_id, response_id=form_data["response_id"])
        )
        await message.answer(explain_refusal(error, step.question, identity.user))
    await show_step(message, step, identity, state, form_data["purpose"], **data)


@router.message(FormConversation.answering, F.text)
async def typed_answer(
    message: Message,
    identity: Identity,
    state: FSMContext,
    answer_form: AnswerFormUseCase,
    **data: Any,
) -> None:
    async def change(response_id: int) -> FormStep:
        return await answer_form(
            AnswerForm(user_id=identity.user_id, response_id=response_id, text=message.text)
        )

    await _apply(message, identity, state, change, **data)


@router.message(FormConversation.answering, F.photo | F.document)
async def photo_answer(
    message: Message,
    identity: Identity,
    state: FSMContext,
    answer_form: AnswerFormUseCase,
    **data: Any,
) -> None:
    file_id = message.photo[-1].file_id if message.photo else message.document.file_id

    async def change(response_id: int) -> FormStep:
        return await answer_form(
            AnswerForm(user_id=identity.user_id, response_id=response_id, photos=[file_id])
        )

    await _apply(message, identity, state, change, **data)


@router.message(FormConversation.answering, F.location)
async def location_answer(
    message: Message,
    identity: Identity,
    state: FSMContext,
    answer_form: AnswerFormUseCase,
    show_form: ShowFormUseCase,
    **data: Any,
) -> None:
    """A shared location answers a time zone question with the zone at that place."""
    form_data: FormData = await state.get_data()  # type: ignore[assignment]
    step = await show_form(ShowForm(user_id=identity.user_id, response_id=form_data["response_id"]))
    location = message.location
    zone = zone_at(location.latitude, location.longitude) if location else None
    if step.question is None or step.question.kind is not QuestionKind.timezone or not zone:
        await message.answer(_("Please answer the question above, or send /cancel to stop."))
        return

    async def change(response_id: int) -> FormStep:
        return await answer_form(
            AnswerForm(user_id=identity.user_id, response_id=response_id, text=zone)
        )

    await _apply(message, identity, state, change, show_form=show_form, **data)


@router.callback_query(FormConversation.answering, FormCb.filter())
async def pressed(
    query: CallbackQuery,
    callback_data: FormCb,
    identity: Identity,
    state: FSMContext,
    answer_form: AnswerFormUseCase,
    move_in_form: MoveInFormUseCase,
    callback_answer: CallbackAnswer,
    **data: Any,
) -> None:
    form_data: FormData = await state.get_data()  # type: ignore[assignment]
    if callback_data.response_id != form_data.get("response_id") or not isinstance(
        query.message, Message
    ):
        callback_answer.text = _("This button is no longer active.")
        return
    if callback_data.action is FormAction.toggle:
        await _toggle(query.message, callback_data.value, form_data, state)
        return
    await query.message.edit_reply_markup(reply_markup=None)  # answered: no second tap

    async def change(response_id: int) -> FormStep:
        user_id = identity.user_id
        if callback_data.action in (FormAction.skip, FormAction.back):
            return await move_in_form(
                MoveInForm(
                    user_id=user_id, response_id=response_id, action=callback_data.action.name
                )
            )
        choices = (
            form_data["selected"]
            if callback_data.action is FormAction.done
            else [callback_data.value]
        )
        return await answer_form(
            AnswerForm(user_id=user_id, response_id=response_id, choices=choices)
        )

    await _apply(query.message, identity, state, change, **data)


async def _toggle(message: Message, key: str, form_data: FormData, state: FSMContext) -> None:
    selected = list(form_data["selected"])
    selected.remove(key) if key in selected else selected.append(key)
    await state.update_data(selected=selected)
    markup = message.reply_markup
    if markup is None:
        return
    for row in markup.inline_keyboard:
        for button in row:
            parsed = FormCb.unpack(button.callback_data) if button.callback_data else None
            if parsed is not None and parsed.action is FormAction.toggle:
                label = button.text.removeprefix("✅ ")
                button.text = ("✅ " if parsed.value in selected else "") + label
    await message.edit_reply_markup(reply_markup=markup)
