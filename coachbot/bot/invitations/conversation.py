"""An admin invites a coach: a note for their records, how long the link lives, the link."""

from __future__ import annotations

from typing import TypedDict

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from coachbot.bot import keyboards
from coachbot.bot.callbacks import InviteValidityCb, MenuAction, MenuCb
from coachbot.bot.filters import IsAdmin
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import escape, fmt
from coachbot.bot.texts import local_datetime, start_link
from coachbot.domain.invitations.use_cases import (
    NOTE_MAX_LENGTH,
    InviteCoach,
    clean_note,
)
from coachbot.domain.people.identity import Identity
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.message.filter(IsAdmin())
router.callback_query.filter(IsAdmin())


class InviteCoachForm(StatesGroup):
    note = State()
    validity = State()


class InviteCoachData(TypedDict):
    note: str


@router.message(Command("invite_coach"))
async def start_by_command(message: Message, state: FSMContext) -> None:
    await _ask_for_note(message, state)


@router.callback_query(MenuCb.filter(F.action == MenuAction.invite_coach))
async def start_by_button(query: CallbackQuery, state: FSMContext) -> None:
    if isinstance(query.message, Message):
        await _ask_for_note(query.message, state)


async def _ask_for_note(message: Message, state: FSMContext) -> None:
    await state.set_state(InviteCoachForm.note)
    await message.answer(
        _("Who is this invitation for? Send their name or a short note; only you will see it."),
        reply_markup=keyboards.cancel_only(),
    )


@router.message(InviteCoachForm.note, F.text)
async def take_note(message: Message, state: FSMContext) -> None:
    note = clean_note(message.text or "")
    if not note or note.startswith("/"):
        await message.answer(_("Please send the name as plain text, or /cancel."))
        return
    if len(" ".join((message.text or "").split())) > NOTE_MAX_LENGTH:
        await message.answer(
            fmt(
                _("That is too long. Please keep it under {limit} characters."),
                limit=NOTE_MAX_LENGTH,
            )
        )
        return
    await state.update_data(InviteCoachData(note=note))
    await state.set_state(InviteCoachForm.validity)
    await message.answer(
        _("How long should the link stay valid?"), reply_markup=keyboards.invitation_validity()
    )


@router.message(InviteCoachForm.note)
async def reject_non_text_note(message: Message) -> None:
    await message.answer(_("Please send the name as plain text, or /cancel."))


@router.message(InviteCoachForm.validity)
async def remind_to_choose_validity(message: Message) -> None:
    await message.answer(
        _("Please choose one of the buttons."), reply_markup=keyboards.invitation_validity()
    )


@router.callback_query(
    InviteCoachForm.validity,
    InviteValidityCb.filter(F.days.in_(keyboards.INVITATION_VALIDITY_DAYS)),
)
async def issue_invitation(
    query: CallbackQuery,
    callback_data: InviteValidityCb,
    state: FSMContext,
    identity: Identity,
    uc: UseCases,
    bot: Bot,
    callback_answer: CallbackAnswer,
) -> None:
    data: InviteCoachData = await state.get_data()  # type: ignore[assignment]
    issued = await uc.invitations.invite_coach(
        InviteCoach(
            actor_user_id=identity.user_id,
            actor_is_admin=identity.is_admin,
            note=data.get("note", ""),
            valid_days=callback_data.days,
        )
    )
    await state.clear()
    me = await bot.me()
    callback_answer.text = _("Invitation created.")
    text = fmt(
        _(
            "Invitation for <b>{note}</b> is ready. Send them this link:\n\n{link}\n\n"
            "It works once and expires {expires}."
        ),
        note=escape(issued.note),
        link=start_link(me.username or "", issued.token),
        expires=local_datetime(issued.expires_at, identity.user),
    )
    if isinstance(query.message, Message):
        await query.message.edit_text(
            text, reply_markup=keyboards.revoke_invitation(issued.invitation_id)
        )
