"""Keyboard builders. They take domain DTOs and return markup."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from coachbot.bot.callbacks import (
    CancelCb,
    ClientLinkAction,
    ClientLinkCb,
    ConsentCb,
    InvitationAction,
    InvitationCb,
    InviteValidityCb,
    MenuAction,
    MenuCb,
    SkipCb,
)
from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.markup import plain
from coachbot.domain.invitations.use_cases import InvitationSummary
from coachbot.domain.people.identity import Identity

INVITATION_VALIDITY_DAYS = (1, 7, 30)


def coach_menu(identity: Identity, waiting: int = 0) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=plain(_("📥 Review ({count})"), count=waiting),
        callback_data=MenuCb(action=MenuAction.review),
    )
    builder.button(text=_("👥 Clients"), callback_data=MenuCb(action=MenuAction.clients))
    builder.button(text=_("➕ Add client"), callback_data=MenuCb(action=MenuAction.add_client))
    builder.button(
        text=_("📝 Check-in templates"), callback_data=MenuCb(action=MenuAction.templates)
    )
    builder.button(
        text=_("⏰ Check-in follow-ups"), callback_data=MenuCb(action=MenuAction.checkin_rules)
    )
    builder.button(
        text=_("📏 Custom metrics"), callback_data=MenuCb(action=MenuAction.custom_metrics)
    )
    builder.button(text=_("💶 Billing"), callback_data=MenuCb(action=MenuAction.billing))
    if identity.is_admin:
        builder.button(
            text=_("✉️ Invite a coach"), callback_data=MenuCb(action=MenuAction.invite_coach)
        )
        builder.button(
            text=_("📨 Open invitations"), callback_data=MenuCb(action=MenuAction.invitations)
        )
    builder.adjust(1)
    return builder.as_markup()


def cancel_only() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Cancel"), callback_data=CancelCb())
    return builder.as_markup()


def invitation_validity() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for days in INVITATION_VALIDITY_DAYS:
        label = plain(ngettext("{count} day", "{count} days", days), count=days)
        builder.button(text=label, callback_data=InviteValidityCb(days=days))
    builder.button(text=_("Cancel"), callback_data=CancelCb())
    builder.adjust(len(INVITATION_VALIDITY_DAYS), 1)
    return builder.as_markup()


def revoke_invitation(invitation_id: int) -> InlineKeyboardMarkup:
    return invitation_list([invitation_id])


def invitation_list(invitation_ids: Sequence[int]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for number, invitation_id in enumerate(invitation_ids, start=1):
        label = _("Revoke") if len(invitation_ids) == 1 else _("Revoke #{number}")
        builder.button(
            text=plain(label, number=number),
            callback_data=InvitationCb(action=InvitationAction.revoke, invitation_id=invitation_id),
        )
    builder.adjust(3)
    return builder.as_markup()


def invitation_ids(invitations: Sequence[InvitationSummary]) -> list[int]:
    return [invitation.invitation_id for invitation in invitations]


def skip_or_cancel() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Skip"), callback_data=SkipCb())
    builder.button(text=_("Cancel"), callback_data=CancelCb())
    return builder.as_markup()


def client_link(client_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Revoke"),
        callback_data=ClientLinkCb(action=ClientLinkAction.revoke, client_id=client_id),
    )
    builder.button(
        text=_("New link"),
        callback_data=ClientLinkCb(action=ClientLinkAction.renew, client_id=client_id),
    )
    return builder.as_markup()


def consent() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ I agree"), callback_data=ConsentCb(accept=True))
    builder.button(text=_("I do not agree"), callback_data=ConsentCb(accept=False))
    builder.adjust(1)
    return builder.as_markup()


def rows_of(count: int, width: int) -> list[int]:
    """Row widths for `count` buttons, `width` to a row (the last row takes the rest)."""
    return [width] * (count // width) + ([count % width] if count % width else [])


def button(text: str, callback_data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=callback_data.pack())


def laid_out(
    buttons: Sequence[InlineKeyboardButton], widths: Sequence[int]
) -> InlineKeyboardMarkup:
    """`buttons` in rows of `widths` (which add up to their number). For keyboards sent on
    every answer: aiogram's builder deep-copies the whole keyboard on each button added."""
    assert sum(widths) == len(buttons)
    rows, start = [], 0
    for width in widths:
        rows.append(list(buttons[start : start + width]))
        start += width
    return InlineKeyboardMarkup(inline_keyboard=rows)
