"""Answering in chat from a button press."""

from __future__ import annotations

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message


async def answer_query(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Send a new message to the chat of the pressed button (a message too old for the
    bot to reach has none: then nothing is sent)."""
    if isinstance(query.message, Message):
        await query.message.answer(text, reply_markup=markup)
