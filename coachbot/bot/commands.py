"""The command menus Telegram shows, per role, in every language we translate."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from aiogram.utils.i18n import I18n

from coachbot.bot.i18n import lazy_gettext as __
from coachbot.domain.people.identity import Identity

logger = logging.getLogger(__name__)

EVERYONE = (
    ("start", __("Start or show the main menu")),
    ("help", __("What this bot can do")),
    ("cancel", __("Leave the current conversation")),
    ("privacy", __("Privacy policy")),
    ("terms", __("Terms of use")),
    ("profile", __("Your profile and settings")),
)
CLIENT = (
    ("checkin", __("Answer your check-in")),
    ("log", __("Log a measurement")),
    ("progress", __("Your charts and trends")),
    ("goals", __("Your goals")),
    ("achievements", __("Your badges")),
    ("report", __("Your progress report (PDF)")),
    ("export", __("Your measurements as CSV")),
    ("billing", __("Your plan and payments")),
)
COACH = (
    ("menu", __("Coach menu")),
    ("review", __("Check-ins to review")),
    ("clients", __("Your clients")),
)
ADMIN = (
    ("invite_coach", __("Invite a new coach")),
    ("invitations", __("Open invitations")),
)


def commands_for(identity: Identity | None) -> tuple[tuple[str, object], ...]:
    commands: tuple[tuple[str, object], ...] = EVERYONE
    if identity is not None and identity.is_client:
        commands += CLIENT
    if identity is not None and identity.is_coach:
        commands += COACH
    if identity is not None and identity.is_admin:
        commands += ADMIN
    return commands


def _localized(commands, i18n: I18n, language: str) -> list[BotCommand]:
    with i18n.context(), i18n.use_locale(language):
        return [BotCommand(command=name, description=str(text)) for name, text in commands]


async def set_default_commands(bot: Bot, i18n: I18n) -> None:
    """The menu every private chat sees, in each translated language."""
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(_localized(EVERYONE, i18n, i18n.default_locale), scope=scope)
    for language in i18n.available_locales:
        commands = _localized(EVERYONE, i18n, language)
        await bot.set_my_commands(commands, scope=scope, language_code=language)


async def set_commands_for(bot: Bot, i18n: I18n, identity: Identity) -> None:
    """A per-chat menu for clients, coaches and admins; others keep the default one."""
    commands = commands_for(identity)
    if commands == EVERYONE:
        return
    scope = BotCommandScopeChat(chat_id=identity.user.telegram_id)
    try:
        await bot.set_my_commands(_localized(commands, i18n, identity.user.language), scope=scope)
    except TelegramAPIError:
        # The menu is a convenience: failing to set it must not fail the user's action.
        logger.warning("Could not set commands for chat %s", scope.chat_id, exc_info=True)
