"""Rendering the notices use cases leave in the outbox, in the recipient's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.utils.i18n import I18n
from babel.dates import format_date

from coachbot.bot.callbacks import (
    CheckinCb,
    ClientAction,
    ClientCardCb,
    FeedbackCb,
    FormAction,
    FormCb,
    ReviewAction,
    ReviewCb,
)
from coachbot.bot.clients.intake import intake_button_label
from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.progress.notices import PROGRESS_TEMPLATES
from coachbot.bot.texts import escape
from coachbot.domain.outbox.model import (
    Button,
    DocumentPayload,
    FileRef,
    Keyboard,
    Notice,
    Payload,
    PhotoPayload,
    TextPayload,
    VoicePayload,
)
from coachbot.domain.progress.report_files import STORED_DOCUMENT


def _coach_joined(params: dict[str, Any]) -> str:
    return _("{name} accepted your invitation and is now a coach.").format(
        name=escape(params["name"])
    )


def _client_joined(params: dict[str, Any]) -> str:
    return _("{name} opened your invitation and is setting up their profile.").format(
        name=escape(params["name"])
    )


def _client_onboarded(params: dict[str, Any]) -> str | TextPayload:
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
    if "client_id" not in params:  # queued before the notice named the client
        return text
    intake = ClientCardCb(client_id=params["client_id"], action=ClientAction.intake)
    return TextPayload(text, buttons=_button(intake_button_label(), intake))


def _button(text: str, callback: CallbackData) -> Keyboard:
    return ((Button(text=text, callback_data=callback.pack()),),)


def _checkin_ready(params: dict[str, Any]) -> TextPayload:
    text = _("Hi {name}, your check-in is ready. It takes about five minutes.").format(
        name=escape(params["name"])
    )
    return TextPayload(text, buttons=_button(_("▶️ Start check-in"), _checkin(params)))


def _checkin(params: dict[str, Any]) -> CheckinCb:
    return CheckinCb(checkin_id=params["checkin_id"])


def _checkin_nudge(params: dict[str, Any]) -> TextPayload:
    if params.get("started"):
        text = _("A friendly reminder: your check-in is half done. Pick up where you left off?")
        label = _("▶️ Continue check-in")
    else:
        text = _("A friendly reminder: your check-in is still waiting for you.")
        label = _("▶️ Start check-in")
    return TextPayload(text, buttons=_button(label, _checkin(params)))


def _checkin_missed(params: dict[str, Any]) -> TextPayload:
    text = _(
        "Hi {name}, we missed your check-in this time. No problem: life happens. "
        "You can still send it until the next one is due, and your coach will see it."
    ).format(name=escape(params["name"]))
    return TextPayload(text, buttons=_button(_("▶️ Send it now"), _checkin(params)))


def _checkins_missed_alert(params: dict[str, Any]) -> TextPayload:
    count = int(params["count"])
    text = ngettext(
        "⚠️ {name} has missed {count} check-in in a row.",
        "⚠️ {name} has missed {count} check-ins in a row.",
        count,
    ).format(name=escape(params["name"]), count=count)
    card = ClientCardCb(client_id=params["client_id"])
    return TextPayload(text, buttons=_button(_("Open client"), card))


def _checkin_submitted(params: dict[str, Any]) -> TextPayload:
    text = (
        _("📥 {name} sent a late check-in.")
        if params.get("late")
        else _("📥 {name} sent their check-in.")
    ).format(name=escape(params["name"]))
    waiting = int(params["waiting"])
    text += " " + ngettext(
        "{count} check-in is waiting for review.",
        "{count} check-ins are waiting for review.",
        waiting,
    ).format(count=waiting)
    review = ReviewCb(action=ReviewAction.show, checkin_id=params["checkin_id"])
    return TextPayload(text, buttons=_button(_("Review"), review))


def _checkin_date(params: dict[str, Any]) -> str:
    due = datetime.fromisoformat(params["due"]).astimezone(ZoneInfo(params["timezone"]))
    return format_date(due.date(), format="medium", locale=params["locale"])


def _with_body(heading: str, params: dict[str, Any]) -> str:
    body = escape(params["text"])
    return f"{heading}\n\n{body}" if body else heading


def _checkin_feedback(params: dict[str, Any]) -> TextPayload:
    heading = _("💬 {coach} replied to your check-in of {date}:").format(
        coach=escape(params["author"]), date=_checkin_date(params)
    )
    answer = FeedbackCb(checkin_id=params["checkin_id"])
    return TextPayload(_with_body(heading, params), buttons=_button(_("💬 Answer"), answer))


def _checkin_thread_reply(params: dict[str, Any]) -> TextPayload:
    heading = _("💬 {name} answered about their check-in of {date}:").format(
        name=escape(params["author"]), date=_checkin_date(params)
    )
    reply = ReviewCb(action=ReviewAction.reply, checkin_id=params["checkin_id"])
    return TextPayload(_with_body(heading, params), buttons=_button(_("💬 Reply"), reply))


def _photos_received(params: dict[str, Any]) -> TextPayload:
    done = FormCb(response_id=params["response_id"], action=FormAction.photos_done)
    return TextPayload(
        _("Got your photos. Send more, or tap Done."), buttons=_button(_("✅ Done"), done)
    )


TEMPLATES: dict[str, Callable[[dict[str, Any]], str | TextPayload]] = {
    "coach_joined": _coach_joined,
    "client_joined": _client_joined,
    "client_onboarded": _client_onboarded,
    "checkin_ready": _checkin_ready,
    "checkin_nudge": _checkin_nudge,
    "checkin_missed": _checkin_missed,
    "checkins_missed_alert": _checkins_missed_alert,
    "checkin_submitted": _checkin_submitted,
    "checkin_feedback": _checkin_feedback,
    "checkin_thread_reply": _checkin_thread_reply,
    "photos_received": _photos_received,
}
TEMPLATES.update(PROGRESS_TEMPLATES)


def notice_renderer(i18n: I18n) -> Callable[[Notice], Payload]:
    """Raises KeyError for a notice nobody knows how to render (a permanent failure)."""

    def render(notice: Notice) -> Payload:
        template = TEMPLATES[notice.name]
        language = notice.language if notice.language in i18n.available_locales else None
        with i18n.context(), i18n.use_locale(language or i18n.default_locale):
            rendered = template({**notice.params, "locale": i18n.current_locale})
        text = rendered if isinstance(rendered, TextPayload) else TextPayload(text=rendered)
        return _with_attachment(notice, text)

    return render


def _with_attachment(notice: Notice, text: TextPayload) -> Payload:
    """A voice note or photo that comes with a notice carries its text as the caption."""
    if notice.attachment is None:
        return text
    if notice.attachment_kind == STORED_DOCUMENT:  # a generated report or export
        stored = FileRef(blob_key=notice.attachment, filename=notice.params["filename"])
        return DocumentPayload(stored, caption=text.text, buttons=text.buttons)
    file = FileRef(file_id=notice.attachment)
    if notice.attachment_kind == "voice":
        return VoicePayload(file, caption=text.text, buttons=text.buttons)
    return PhotoPayload(file, caption=text.text, buttons=text.buttons, protect_content=False)


# Billing notices (appended).
from coachbot.bot.billing.notices import BILLING_TEMPLATES  # noqa: E402

TEMPLATES.update(BILLING_TEMPLATES)
