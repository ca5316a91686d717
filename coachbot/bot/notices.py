"""Rendering the notices use cases leave in the outbox, in the recipient's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.utils.i18n import I18n

from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.texts import escape
from coachbot.domain.model.outbox import Notice, TextPayload


def _coach_joined(params: dict[str, Any]) -> str:
    return _("{name} accepted your invitation and is now a coach.").format(
        name=escape(params["name"])
    )


def _client_joined(params: dict[str, Any]) -> str:
    return _("{name} opened your invitation and is setting up their profile.").format(
        name=escape(params["name"])
    )


def _client_onboarded(params: dict[str, Any]) -> str:
    text = _("{name} finished onboarding, including the initial assessment.").format(
        name=escape(params["name"])
    )
    flags = int(params.get("health_flags") or 0)
    if flags:
        text += "\n\n" + ngettext(
            "⚠️ They answered yes to {count} health screen question: check whether they need "
            "medical clearance before training.",
            "⚠️ They answered yes to {count} health screen questions: check whether they need "
            "medical clearance before training.",
            flags,
        ).format(count=flags)
    return text


TEMPLATES: dict[str, Callable[[dict[str, Any]], str]] = {
    "coach_joined": _coach_joined,
    "client_joined": _client_joined,
    "client_onboarded": _client_onboarded,
}


def notice_renderer(i18n: I18n) -> Callable[[Notice], TextPayload]:
    """Raises KeyError for a notice nobody knows how to render (a permanent failure)."""

    def render(notice: Notice) -> TextPayload:
        template = TEMPLATES[notice.name]
        language = notice.language if notice.language in i18n.available_locales else None
        with i18n.context(), i18n.use_locale(language or i18n.default_locale):
            return TextPayload(text=template(notice.params))

    return render
