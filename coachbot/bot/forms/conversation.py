"""One conversation that runs any form: one question at a time, buttons or typed
answers, wrong answers re-asked with the reason, Back and Skip, ticks for multi choice.

Progress lives in the database after every answer; the FSM only remembers which
response is open and the ticks of a multi-choice question not yet Done.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from coachbot.bot.callbacks import FormAction, FormCb
from coachbot.bot.forms.outcomes import reply_to_outcome
from coachbot.bot.forms.rendering import (
    confirm_date_keyboard,
    confirm_date_text,
    explain_photo_refusal,
    explain_refusal,
    photos_received_text,
    question_keyboard,
    reask_date_text,
)
from coachbot.bot.forms.state import FormConversation, FormData, ask_question
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import fmt
from coachbot.config import Settings
from coachbot.domain.checkins.photos import InvalidPhoto
from coachbot.domain.forms.questions import InvalidAnswer, QuestionKind
from coachbot.domain.forms.use_cases import (
    AddFormPhoto,
    AnswerForm,
    FindTimeZone,
    FormStep,
    MoveInForm,
    ShowForm,
)
from coachbot.domain.people.identity import Identity
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)


async def show_step(
    message: Message,
    step: FormStep,
    identity: Identity,
    state: FSMContext,
    purpose: str,
    uc: UseCases,
    **data: Any,
) -> None:
    """Ask the next question, or answer what completing the form did."""
    if not step.completed:
        await ask_question(message, step, identity, state, purpose)
        return
    await state.clear()
    if step.outcome is not None:
        await reply_to_outcome(message, step.outcome, identity, state, uc, **data)


async def _refuse(
    message: Message, error: InvalidAnswer, identity: Identity, uc: UseCases, response_id: int
) -> FormStep | None:
    """Explain why an answer was refused; the step to ask again (None: a date whose day
    and month could be swapped is echoed for a Yes/No instead)."""
    if error.code == "confirm_date":
        iso = error.params["date"]
        await message.answer(
            confirm_date_text(iso, identity.user),
            reply_markup=confirm_date_keyboard(response_id, iso),
        )
        return None
    step = await uc.forms.show_form(ShowForm(user_id=identity.user_id, response_id=response_id))
    await message.answer(explain_refusal(error, step.question, identity.user))
    return step


@router.message(FormConversation.answering, F.text)
async def typed_answer(
    message: Message,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
    **data: Any,
) -> None:
    form_data: FormData = await state.get_data()  # type: ignore[assignment]
    response_id = form_data["response_id"]
    try:
        step = await uc.forms.answer_form(
            AnswerForm(user_id=identity.user_id, response_id=response_id, text=message.text)
        )
    except InvalidAnswer as error:
        refused = await _refuse(message, error, identity, uc, response_id)
        if refused is None:
            return
        step = refused
    await show_step(message, step, identity, state, form_data["purpose"], uc, **data)


@router.message(FormConversation.answering, F.photo | F.document)
async def photo_answer(
    message: Message,
    identity: Identity,
    state: FSMContext,
    bot: Bot,
    settings: Settings,
    uc: UseCases,
    **data: Any,
) -> None:
    """A photo, also one sent uncompressed as a file, or one of an album (every photo of
    an album is its own update, all with the same media_group_id)."""
    form_data: FormData = await state.get_data()  # type: ignore[assignment]
    file = message.photo[-1] if message.photo else message.document
    assert file is not None
    refusal = _photo_file_refusal(message, settings)
    step: FormStep | None = None
    if refusal is None:
        try:
            content = await bot.download(file)
            assert content is not None
            step = await uc.forms.add_form_photo(
                AddFormPhoto(
                    user_id=identity.user_id,
                    response_id=form_data["response_id"],
                    data=content.read(),
                    album=message.media_group_id,
                )
            )
        except InvalidPhoto as error:
            refusal = explain_photo_refusal(error)
        except InvalidAnswer as error:
            step = await uc.forms.show_form(
                ShowForm(user_id=identity.user_id, response_id=form_data["response_id"])
            )
            refusal = explain_refusal(error, step.question, identity.user)
    if refusal is not None:
        if step is None:  # the question to ask again (a refused answer has it already)
            step = await uc.forms.show_form(
                ShowForm(user_id=identity.user_id, response_id=form_data["response_id"])
            )
        await message.answer(refusal)
    elif step is not None and step.collecting:
        if message.media_group_id is None:  # an album is acknowledged once, from the outbox
            await message.answer(
                photos_received_text(step), reply_markup=question_keyboard(step, identity.user)
            )
        return
    assert step is not None
    await show_step(message, step, identity, state, form_data["purpose"], uc, **data)


def _photo_file_refusal(message: Message, settings: Settings) -> str | None:
    """Refuse before downloading: a file that is not a picture, or one too large."""
    document = message.document
    if document is not None and not (document.mime_type or "").startswith("image/"):
        return _("That file is not a photo. Please send a photo (JPEG, PNG or WebP).")
    file = message.photo[-1] if message.photo else document
    if file is not None and (file.file_size or 0) > settings.photo_max_bytes:
        return fmt(
            _("That file is too large: photos up to {maximum_mb} MB, please."),
            maximum_mb=settings.photo_max_bytes // (1024 * 1024),
        )
    return None


@router.message(FormConversation.answering, F.location)
async def location_answer(
    message: Message,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
    **data: Any,
) -> None:
    """A shared location answers a time zone question with the zone at that place."""
    form_data: FormData = await state.get_data()  # type: ignore[assignment]
    step = await uc.forms.show_form(
        ShowForm(user_id=identity.user_id, response_id=form_data["response_id"])
    )
    location = message.location
    zone = (
        await uc.forms.find_time_zone(
            FindTimeZone(latitude=location.latitude, longitude=location.longitude)
        )
        if location
        else None
    )
    if step.question is None or step.question.kind is not QuestionKind.timezone or not zone:
        await message.answer(_("Please answer the question above, or send /cancel to stop."))
        return
    try:
        step = await uc.forms.answer_form(
            AnswerForm(user_id=identity.user_id, response_id=step.response_id, text=zone)
        )
    except InvalidAnswer as error:
        refused = await _refuse(message, error, identity, uc, step.response_id)
        if refused is None:
            return
        step = refused
    await show_step(message, step, identity, state, form_data["purpose"], uc, **data)


@router.callback_query(FormConversation.answering, FormCb.filter())
async def pressed(
    query: CallbackQuery,
    callback_data: FormCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
    callback_answer: CallbackAnswer,
    **data: Any,
) -> None:
    form_data: FormData = await state.get_data()  # type: ignore[assignment]
    if callback_data.response_id != form_data.get("response_id") or not isinstance(
        query.message, Message
    ):
        callback_answer.text = " ".join(
            (
                _("This button is no longer active."),
                _("Please answer the question above, or send /cancel to stop."),
            )
        )
        return
    if callback_data.action is FormAction.toggle:
        await _toggle(query.message, callback_data.value, form_data, state)
        return
    await query.message.edit_reply_markup(reply_markup=None)  # answered: no second tap
    if callback_data.action is FormAction.reject_date:
        await query.message.answer(reask_date_text(callback_data.value))
        return

    response_id, user_id = form_data["response_id"], identity.user_id
    try:
        if callback_data.action in (FormAction.skip, FormAction.back, FormAction.photos_done):
            step = await uc.forms.move_in_form(
                MoveInForm(
                    user_id=user_id, response_id=response_id, action=callback_data.action.name
                )
            )
        elif callback_data.action is FormAction.confirm_date:
            step = await uc.forms.answer_form(
                AnswerForm(user_id=user_id, response_id=response_id, text=callback_data.value)
            )
        else:
            choices = (
                form_data["selected"]
                if callback_data.action is FormAction.done
                else [callback_data.value]
            )
            step = await uc.forms.answer_form(
                AnswerForm(user_id=user_id, response_id=response_id, choices=choices)
            )
    except InvalidAnswer as error:
        refused = await _refuse(query.message, error, identity, uc, response_id)
        if refused is None:
            return
        step = refused
    await show_step(query.message, step, identity, state, form_data["purpose"], uc, **data)


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
