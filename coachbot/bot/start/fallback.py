"""Catch-all: anything no other router took. Must be the last router."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from coachbot.bot.i18n import gettext as _

router = Router(name=__name__)


@router.message()
async def not_understood(message: Message, state: FSMContext) -> None:
    if await state.get_state() is not None:
        await message.answer(_("Please answer the question above, or send /cancel to stop."))
    else:
        await message.answer(
            _("Sorry, I did not understand that. Send /help to see what I can do.")
        )


@router.callback_query()
async def stale_button(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    # Also where forged callback data and buttons of finished conversations end up.
    callback_answer.text = _("This button is no longer active.")
    callback_answer.show_alert = False
