"""/cancel and the Cancel button leave any conversation, at any step."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from coachbot.bot.callbacks import CancelCb
from coachbot.bot.i18n import gettext as _

router = Router(name=__name__)


@router.message(Command("cancel"))
async def cancel_command(message: Message, state: FSMContext) -> None:
    if await state.get_state() is None:
        await message.answer(_("There is nothing to cancel."))
        return
    await state.clear()
    await message.answer(_("Cancelled. Nothing was saved."))


@router.callback_query(CancelCb.filter())
async def cancel_button(
    query: CallbackQuery, state: FSMContext, callback_answer: CallbackAnswer
) -> None:
    was_active = await state.get_state() is not None
    await state.clear()
    callback_answer.text = _("Cancelled.")
    if not isinstance(query.message, Message):
        return
    if was_active:
        await query.message.edit_text(_("Cancelled. Nothing was saved."))
    else:  # a menu with no conversation behind it (/log's choices): no live buttons left
        await query.message.edit_reply_markup(reply_markup=None)
