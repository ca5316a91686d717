"""Catch-all: anything no other router took. Must be the last router.

Conversation state survives restarts, but it can still be gone (cleared, or from before it
was kept). Then what the database knows is enough: an onboarding not finished or a
check-in begun is picked up again rather than "not understood".
"""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from coachbot.bot.forms.conversation import show_step
from coachbot.bot.i18n import gettext as _
from coachbot.bot.onboarding.conversation import continue_onboarding
from coachbot.domain.billing.errors import AccessLapsedError
from coachbot.domain.checkins.flow import (
    CheckinClosed,
    CheckinNotFound,
    CheckinStart,
    StartCheckin,
)
from coachbot.domain.people.identity import Identity
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)


@router.message()
async def not_understood(
    message: Message,
    state: FSMContext,
    uc: UseCases,
    identity: Identity | None = None,
    **data: Any,
) -> None:
    if await state.get_state() is not None:
        await message.answer(_("Please answer the question above, or send /cancel to stop."))
        return
    if identity is not None and identity.onboarding:
        await continue_onboarding(
            message, identity, state, uc, welcome=False, returning=True, **data
        )
        return
    if identity is not None and (started := await _begun_checkin(identity, uc)):
        await message.answer(_("Let us continue your check-in."))
        await show_step(message, started.step, identity, state, started.checkin.purpose, uc, **data)
        return
    await message.answer(_("Sorry, I did not understand that. Send /help to see what I can do."))


@router.callback_query()
async def stale_button(
    query: CallbackQuery,
    state: FSMContext,
    uc: UseCases,
    callback_answer: CallbackAnswer,
    identity: Identity | None = None,
) -> None:
    # Also where forged callback data and buttons of finished conversations end up.
    callback_answer.text = _("This button is no longer active.")
    callback_answer.show_alert = False
    if await state.get_state() is not None:
        next_step = _("Please answer the question above, or send /cancel to stop.")
    elif identity is not None and identity.onboarding:
        next_step = _("Send /start to continue setting up.")
    elif identity is not None and await _begun_checkin(identity, uc):
        next_step = _("Send /checkin to continue your check-in.")
    else:
        return
    callback_answer.text += " " + next_step


async def _begun_checkin(identity: Identity, uc: UseCases) -> CheckinStart | None:
    """The person's open check-in, if they began answering it (starting one is theirs)."""
    if not identity.is_client:
        return None
    try:
        return await uc.checkins.start_checkin(
            StartCheckin(user_id=identity.user_id, started_only=True)
        )
    except (CheckinNotFound, CheckinClosed, AccessLapsedError):
        return None
