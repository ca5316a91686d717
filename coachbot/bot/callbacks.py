"""CallbackData factories: short unique prefixes, only ids and enums as fields."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class MenuAction(StrEnum):
    clients = "cl"
    invite_coach = "ic"
    invitations = "iv"


class MenuCb(CallbackData, prefix="m"):
    action: MenuAction


class InviteValidityCb(CallbackData, prefix="iv"):
    days: int


class InvitationAction(StrEnum):
    revoke = "rv"


class InvitationCb(CallbackData, prefix="inv"):
    action: InvitationAction
    invitation_id: int


class CancelCb(CallbackData, prefix="x"):
    pass
