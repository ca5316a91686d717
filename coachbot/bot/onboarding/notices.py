"""Rendering what a coach hears when a client finished onboarding."""

from __future__ import annotations

from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.notice_kit import Viewpoint
from coachbot.bot.texts import escape
from coachbot.domain.onboarding.notices import ClientOnboarded


def client_onboarded(notice: ClientOnboarded, view: Viewpoint) -> str:
    text = _("{name} finished onboarding, including the initial assessment.").format(
        name=escape(notice.name)
    )
    flags = notice.health_flags
    if flags:
        text += "\n\n" + ngettext(
            "⚠️ They answered yes to {count} health screen question: check whether they need "
            "medical clearance before training.",
            "⚠️ They answered yes to {count} health screen questions: check whether they need "
            "medical clearance before training.",
            flags,
        ).format(count=flags)
    return text
