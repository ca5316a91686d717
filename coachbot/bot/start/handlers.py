"""/start: open an invitation link, or greet by role."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from coachbot.bot import keyboards
from coachbot.bot.commands import set_commands_for
from coachbot.bot.filters import IsPrivateChat
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import escape, fmt
from coachbot.bot.onboarding.conversation import continue_onboarding
from coachbot.bot.progress.keyboards import client_menu
from coachbot.domain.invitations.model import InvitationKind
from coachbot.domain.invitations.use_cases import AcceptInvitation
from coachbot.domain.people.identity import Identity
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.message.filter(IsPrivateChat())


@router.message(CommandStart(deep_link=True), F.text)
async def open_invitation(
    message: Message,
    command: CommandObject,
    identity: Identity,
    uc: UseCases,
    state: FSMContext,
    bot: Bot,
    i18n: I18n,
    **data: Any,
) -> None:
    accepted = await uc.invitations.accept_invitation(
        AcceptInvitation(user_id=identity.user_id, token=command.args or "")
    )
    await state.clear()
    if accepted.kind is InvitationKind.client:
        await continue_onboarding(message, identity, state, uc, welcome=True, **data)
        return
    coach = identity.as_coach(accepted.coach_id)
    await set_commands_for(bot, i18n, coach)
    inviter = accepted.invited_by.full_name if accepted.invited_by else "Coachbot"
    await message.answer(
        fmt(
            _(
                "Welcome to Coachbot, {name}! {inviter} invited you as a coach, and your "
                "coach account is ready.\n\nThis is your coach menu:"
            ),
            name=escape(identity.user.first_name),
            inviter=escape(inviter),
        ),
        reply_markup=keyboards.coach_menu(coach),
    )


@router.message(CommandStart())
async def greet(
    message: Message,
    identity: Identity,
    bot: Bot,
    i18n: I18n,
    state: FSMContext,
    uc: UseCases,
    **data: Any,
) -> None:
    name = escape(identity.user.first_name)
    if identity.onboarding:
        await continue_onboarding(
            message, identity, state, uc, welcome=False, returning=True, **data
        )
    elif identity.is_coach:
        await set_commands_for(bot, i18n, identity)
        await message.answer(
            fmt(_("Welcome back, {name}! This is your coach menu:"), name=name),
            reply_markup=keyboards.coach_menu(identity),
        )
    elif identity.is_client:
        await set_commands_for(bot, i18n, identity)
        await message.answer(
            fmt(
                _(
                    "Hi {name}! Your coach reaches you here: check-ins, goals and messages "
                    "will arrive in this chat. Send /help to see what you can do."
                ),
                name=name,
            ),
            reply_markup=client_menu(),
        )
    else:
        await message.answer(explain_bot_to_stranger(name))


def explain_bot_to_stranger(name: str) -> str:
    return fmt(
        _(
            "Hi {name}! I am Coachbot, a coaching assistant. Coaches use me to run check-ins, "
            "goals and progress tracking with their clients, right here in Telegram.\n\n"
            "To start, you need an invitation link: from your coach if you are a client, or "
            "from the platform administrator if you want to coach here. Open the link and I "
            "will set you up."
        ),
        name=name,
    )
