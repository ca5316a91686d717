"""Open invitations: list them and revoke one."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InaccessibleMessage, Message
from aiogram.utils.callback_answer import CallbackAnswer

from coachbot.bot import keyboards
from coachbot.bot.callbacks import InvitationAction, InvitationCb, MenuAction, MenuCb
from coachbot.bot.filters import IsAdmin
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import escape, fmt, stack
from coachbot.bot.texts import local_datetime
from coachbot.domain.invitations.use_cases import (
    InvitationSummary,
    ListInvitations,
    ListInvitationsUseCase,
    RevokeInvitation,
)
from coachbot.domain.people.identity import Identity
from coachbot.domain.people.model import User
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.message.filter(IsAdmin())
router.callback_query.filter(IsAdmin())


@router.message(Command("invitations"))
async def show_invitations(message: Message, identity: Identity, uc: UseCases) -> None:
    invitations = await _open_invitations(identity, uc.invitations.list_invitations)
    await message.answer(
        render_invitations(invitations, identity.user),
        reply_markup=keyboards.invitation_list(keyboards.invitation_ids(invitations)),
    )


@router.callback_query(MenuCb.filter(F.action == MenuAction.invitations))
async def show_invitations_button(query: CallbackQuery, identity: Identity, uc: UseCases) -> None:
    if isinstance(query.message, Message):
        await show_invitations(query.message, identity, uc)


@router.callback_query(InvitationCb.filter(F.action == InvitationAction.revoke))
async def revoke_invitation_button(
    query: CallbackQuery,
    callback_data: InvitationCb,
    identity: Identity,
    uc: UseCases,
    callback_answer: CallbackAnswer,
) -> None:
    await uc.invitations.revoke_invitation(
        RevokeInvitation(
            actor_user_id=identity.user_id,
            actor_is_admin=identity.is_admin,
            invitation_id=callback_data.invitation_id,
        )
    )
    callback_answer.text = _("Invitation revoked.")
    invitations = await _open_invitations(identity, uc.invitations.list_invitations)
    if query.message is not None and not isinstance(query.message, InaccessibleMessage):
        # The pressed message may have shown the revoked link: replace it entirely.
        await query.message.edit_text(
            _("Invitation revoked.") + "\n\n" + render_invitations(invitations, identity.user),
            reply_markup=keyboards.invitation_list(keyboards.invitation_ids(invitations)),
        )


async def _open_invitations(
    identity: Identity, list_invitations: ListInvitationsUseCase
) -> Sequence[InvitationSummary]:
    return await list_invitations(
        ListInvitations(actor_user_id=identity.user_id, actor_is_admin=identity.is_admin)
    )


def render_invitations(invitations: Sequence[InvitationSummary], viewer: User) -> str:
    if not invitations:
        return _("There are no open invitations.")
    lines = [_("Open invitations:")]
    for number, invitation in enumerate(invitations, start=1):
        note = escape(invitation.note) or _("(no note)")
        expires = local_datetime(invitation.expires_at, viewer)
        lines.append(
            fmt(
                _("{number}. {note}: coach invitation, expires {expires}"),
                number=number,
                note=note,
                expires=expires,
            )
        )
    return stack(lines)
