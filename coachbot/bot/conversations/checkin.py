"""The client answers a check-in: Start from the reminder (or /checkin), one question at a
time through the form conversation, then submit to the coach."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from coachbot.bot.callbacks import CheckinCb
from coachbot.bot.conversations.form import COMPLETIONS, show_step
from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.domain.services.checkins import (
    CheckinClosed,
    CheckinNotFound,
    StartCheckin,
    StartCheckinUseCase,
    SubmitCheckin,
    SubmitCheckinUseCase,
)
from coachbot.domain.services.forms import FormStep
from coachbot.domain.services.identity import Identity

router = Router(name=__name__)


@router.callback_query(CheckinCb.filter())
async def start_checkin(
    query: CallbackQuery,
    callback_data: CheckinCb,
    identity: Identity,
    state: FSMContext,
    start_checkin: StartCheckinUseCase,
    callback_answer: CallbackAnswer,
    **data: Any,
) -> None:
    if not isinstance(query.message, Message):
        return
    try:
        started = await start_checkin(
            StartCheckin(user_id=identity.user_id, checkin_id=callback_data.checkin_id)
        )
    except CheckinClosed:
        callback_answer.text = _("This check-in is closed: the next one is already due.")
        callback_answer.show_alert = True
        return
    await show_step(query.message, started.step, identity, state, started.checkin.purpose, **data)


@router.message(Command("checkin"))
async def checkin_command(
    message: Message,
    identity: Identity,
    state: FSMContext,
    start_checkin: StartCheckinUseCase,
    **data: Any,
) -> None:
    try:
        started = await start_checkin(StartCheckin(user_id=identity.user_id))
    except CheckinNotFound:
        await message.answer(
            _("You have no open check-in right now. I will message you when the next one is due.")
        )
        return
    await show_step(message, started.step, identity, state, started.checkin.purpose, **data)


async def checkin_finished(
    message: Message, step: FormStep, identity: Identity, state: FSMContext, data: dict[str, Any]
) -> None:
    submit: SubmitCheckinUseCase = data["submit_checkin"]
    submitted = await submit(SubmitCheckin(user_id=identity.user_id, response_id=step.response_id))
    lines = [
        _("Thank you, {name}! Your check-in is with your coach.").format(
            name=identity.user.call_name
        )
    ]
    if submitted.metrics:
        lines.append(
            ngettext(
                "{count} measurement was added to your progress.",
                "{count} measurements were added to your progress.",
                submitted.metrics,
            ).format(count=submitted.metrics)
        )
    await message.answer("\n".join(lines))


COMPLETIONS["checkin"] = checkin_finished
