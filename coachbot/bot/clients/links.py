"""Revoke a client's invitation link, or replace it with a new one."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from coachbot.bot import keyboards
from coachbot.bot.callbacks import ClientLinkAction, ClientLinkCb
from coachbot.bot.clients.add_client import render_link
from coachbot.bot.filters import IsCoach
from coachbot.bot.i18n import gettext as _
from coachbot.domain.people.clients import ChangeClientLink
from coachbot.domain.people.identity import Identity
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.callback_query.filter(IsCoach())


@router.callback_query(ClientLinkCb.filter())
async def change_link(
    query: CallbackQuery,
    callback_data: ClientLinkCb,
    identity: Identity,
    uc: UseCases,
    callback_answer: CallbackAnswer,
    bot: Bot,
) -> None:
    renew = callback_data.action is ClientLinkAction.renew
    link = await uc.people.change_client_link(
        ChangeClientLink(
            coach_id=identity.coach_id,
            actor_user_id=identity.user_id,
            client_id=callback_data.client_id,
            renew=renew,
        )
    )
    if not isinstance(query.message, Message):
        return
    if link is None:
        callback_answer.text = _("Link revoked.")
        await query.message.edit_text(_("This invitation link was revoked."))
        return
    callback_answer.text = _("New link created; the old one no longer works.")
    me = await bot.me()
    await query.message.edit_text(
        render_link(link, me.username or "", identity.user),
        reply_markup=keyboards.client_link(link.client_id),
    )
