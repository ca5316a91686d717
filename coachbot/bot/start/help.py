"""/help and /privacy: available to everyone, in any conversation state."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from coachbot.bot.commands import commands_for
from coachbot.bot.i18n import gettext as _
from coachbot.bot.legal import legal_text
from coachbot.bot.markup import fmt, stack
from coachbot.domain.people.identity import Identity

router = Router(name=__name__)


@router.message(Command("help"))
async def show_help(message: Message, identity: Identity) -> None:
    lines = [_("Here is what you can do:"), ""]
    lines += [
        fmt("/{name} — {text}", name=name, text=text) for name, text in commands_for(identity)
    ]
    if not (identity.is_coach or identity.is_client):
        lines += ["", _("You need an invitation link from a coach to get started.")]
    await message.answer(stack(lines))


@router.message(Command("privacy"))
async def show_privacy_policy(message: Message, identity: Identity) -> None:
    await message.answer(legal_text("privacy", identity.user.language))


@router.message(Command("terms"))
async def show_terms(message: Message, identity: Identity) -> None:
    await message.answer(legal_text("terms", identity.user.language))
