"""The client answers a check-in: Start from the reminder (or /checkin), one question at a
time through the form conversation, then submit to the coach."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from coachbot.bot import keyboards
from coachbot.bot.callbacks import CheckinCb, FeedbackCb
from coachbot.bot.forms.state import ask_question
from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.markup import fmt, stack
from coachbot.bot.messages import thread_content
from coachbot.domain.checkins.flow import CheckinClosed, CheckinNotFound, StartCheckin
from coachbot.domain.checkins.review import AnswerFeedback
from coachbot.domain.checkins.submission import CheckinSubmitted
from coachbot.domain.people.identity import Identity
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)


@router.callback_query(CheckinCb.filter())
async def start_checkin(
    query: CallbackQuery,
    callback_data: CheckinCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
    callback_answer: CallbackAnswer,
) -> None:
    if not isinstance(query.message, Message):
        return
    try:
        started = await uc.checkins.start_checkin(
            StartCheckin(user_id=identity.user_id, checkin_id=callback_data.checkin_id)
        )
    except CheckinClosed:
        callback_answer.text = _("This check-in is closed: the next one is already due.")
        callback_answer.show_alert = True
        return
    await ask_question(query.message, started.step, identity, state, started.checkin.purpose)


@router.message(Command("checkin"))
async def checkin_command(
    message: Message, identity: Identity, state: FSMContext, uc: UseCases
) -> None:
    try:
        started = await uc.checkins.start_checkin(StartCheckin(user_id=identity.user_id))
    except CheckinNotFound:
        await message.answer(
            _("You have no open check-in right now. I will message you when the next one is due.")
        )
        return
    await ask_question(message, started.step, identity, state, started.checkin.purpose)


async def checkin_submitted(
    message: Message,
    submitted: CheckinSubmitted,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
    **data: Any,
) -> None:
    """The last answer submitted the check-in: thank the client."""
    lines = [
        fmt(_("Thank you, {name}! Your check-in is with your coach."), name=identity.user.call_name)
    ]
    if submitted.metrics:
        lines.append(
            fmt(
                ngettext(
                    "{count} measurement was added to your progress.",
                    "{count} measurements were added to your progress.",
                    submitted.metrics,
                ),
                count=submitted.metrics,
            )
        )
    await message.answer(stack(lines))


class CheckinThread(StatesGroup):
    answering = State()


@router.callback_query(FeedbackCb.filter())
async def ask_for_answer(
    query: CallbackQuery, callback_data: FeedbackCb, state: FSMContext
) -> None:
    await state.set_state(CheckinThread.answering)
    await state.set_data({"checkin_id": callback_data.checkin_id})
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Your answer to your coach: send a message, a voice message or a photo."),
            reply_markup=keyboards.cancel_only(),
        )


@router.message(CheckinThread.answering, F.text | F.voice | F.photo)
async def send_answer(
    message: Message, identity: Identity, state: FSMContext, uc: UseCases
) -> None:
    kind, text, file_id = thread_content(message)
    checkin_id = (await state.get_data())["checkin_id"]
    await uc.checkins.answer_feedback(
        AnswerFeedback(
            user_id=identity.user_id, checkin_id=checkin_id, kind=kind, text=text, file_id=file_id
        )
    )
    await state.clear()
    await message.answer(_("Sent to your coach ✅"))


@router.message(CheckinThread.answering)
async def unsupported_answer(message: Message) -> None:
    await message.answer(_("Please send a text, a voice message or a photo, or /cancel to stop."))
