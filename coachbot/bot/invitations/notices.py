"""Rendering what an inviter hears when their link is used."""

from __future__ import annotations

from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import escape, fmt
from coachbot.bot.notice_kit import Viewpoint
from coachbot.domain.invitations.notices import ClientJoined, CoachJoined


def coach_joined(notice: CoachJoined, view: Viewpoint) -> str:
    return fmt(_("{name} accepted your invitation and is now a coach."), name=escape(notice.name))


def client_joined(notice: ClientJoined, view: Viewpoint) -> str:
    return fmt(
        _("{name} opened your invitation and is setting up their profile."),
        name=escape(notice.name),
    )
