"""Rendering what an inviter hears when their link is used."""

from __future__ import annotations

from coachbot.bot.i18n import gettext as _
from coachbot.bot.notice_kit import Viewpoint
from coachbot.bot.texts import escape
from coachbot.domain.invitations.notices import ClientJoined, CoachJoined


def coach_joined(notice: CoachJoined, view: Viewpoint) -> str:
    return _("{name} accepted your invitation and is now a coach.").format(name=escape(notice.name))


def client_joined(notice: ClientJoined, view: Viewpoint) -> str:
    return _("{name} opened your invitation and is setting up their profile.").format(
        name=escape(notice.name)
    )
