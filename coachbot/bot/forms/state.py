"""Where a person is in the form conversation: the open response and the ticks of a
multi-choice question not yet Done (the answers themselves are in the database)."""

from __future__ import annotations

from typing import TypedDict

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from coachbot.bot.forms.rendering import question_keyboard, question_text
from coachbot.domain.forms.use_cases import FormStep
from coachbot.domain.people.identity import Identity


class FormConversation(StatesGroup):
    answering = State()


class FormData(TypedDict):
    response_id: int
    purpose: str
    selected: list[str]


async def ask_question(
    message: Message, step: FormStep, identity: Identity, state: FSMContext, purpose: str
) -> None:
    """Ask the step's question; the answer comes to the form conversation."""
    if step.question is None:  # nothing left to ask
        await state.clear()
        return
    await state.set_state(FormConversation.answering)
    await state.set_data(FormData(response_id=step.response_id, purpose=purpose, selected=[]))
    await message.answer(
        question_text(step, identity.user), reply_markup=question_keyboard(step, identity.user)
    )
