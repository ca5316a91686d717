"""Rendering what a coach hears when a client finished onboarding."""

from __future__ import annotations

from coachbot.bot.callbacks import ClientAction, ClientCardCb
from coachbot.bot.clients.intake import intake_button_label
from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.markup import escape, fmt
from coachbot.bot.notice_kit import Viewpoint
from coachbot.domain.onboarding.notices import ClientOnboarded
from coachbot.domain.outbox.model import Button, TextPayload


def client_onboarded(notice: ClientOnboarded, view: Viewpoint) -> str | TextPayload:
    """With a button to the client's intake and health answers."""
    text: str = fmt(
        _("{name} finished onboarding, including the initial assessment."), name=escape(notice.name)
    )
    flags = notice.health_flags
    if flags:
        text += "\n\n" + fmt(
            ngettext(
                "⚠️ They answered yes to {count} health screen question: check whether they need "
                "medical clearance before training.",
                "⚠️ They answered yes to {count} health screen questions: check whether they need "
                "medical clearance before training.",
                flags,
            ),
            count=flags,
        )
    if notice.client_id is None:
        return text
    intake = ClientCardCb(client_id=notice.client_id, action=ClientAction.intake)
    button = Button(text=intake_button_label(), callback_data=intake.pack())
    return TextPayload(text, buttons=((button,),))
