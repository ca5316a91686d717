"""Rendering check-in notices: ready, reminders and misses to the client, submissions
and missed runs to the coach, and the messages of a check-in's thread."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_date

from coachbot.bot.callbacks import CheckinCb, ClientCardCb, FeedbackCb, ReviewAction, ReviewCb
from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.markup import escape, fmt, long_text
from coachbot.bot.notice_kit import Viewpoint, buttons
from coachbot.domain.checkins import notices
from coachbot.domain.outbox.model import TextPayload


def checkin_ready(notice: notices.CheckinReady, view: Viewpoint) -> TextPayload:
    text = fmt(
        _("Hi {name}, your check-in is ready. It takes about five minutes."),
        name=escape(notice.name),
    )
    start = CheckinCb(checkin_id=notice.checkin_id)
    return TextPayload(text, buttons=buttons((_("▶️ Start check-in"), start)))


def checkin_nudge(notice: notices.CheckinNudge, view: Viewpoint) -> TextPayload:
    if notice.started:
        text = _("A friendly reminder: your check-in is half done. Pick up where you left off?")
        label = _("▶️ Continue check-in")
    else:
        text = _("A friendly reminder: your check-in is still waiting for you.")
        label = _("▶️ Start check-in")
    return TextPayload(text, buttons=buttons((label, CheckinCb(checkin_id=notice.checkin_id))))


def checkin_missed(notice: notices.CheckinMissed, view: Viewpoint) -> TextPayload:
    if notice.superseded:
        # The next check-in has just opened; its own message follows with its button.
        text = fmt(
            _(
                "Hi {name}, we missed your last check-in. No problem: life happens. "
                "Your next one is open now."
            ),
            name=escape(notice.name),
        )
        return TextPayload(text)
    text = fmt(
        _(
            "Hi {name}, we missed your check-in this time. No problem: life happens. "
            "You can still send it until the next one is due, and your coach will see it."
        ),
        name=escape(notice.name),
    )
    send = CheckinCb(checkin_id=notice.checkin_id)
    return TextPayload(text, buttons=buttons((_("▶️ Send it now"), send)))


def checkins_missed_alert(notice: notices.CheckinsMissedAlert, view: Viewpoint) -> TextPayload:
    text = fmt(
        ngettext(
            "⚠️ {name} has missed {count} check-in in a row.",
            "⚠️ {name} has missed {count} check-ins in a row.",
            notice.count,
        ),
        name=escape(notice.name),
        count=notice.count,
    )
    card = ClientCardCb(client_id=notice.client_id)
    return TextPayload(text, buttons=buttons((_("Open client"), card)))


def checkin_submitted(notice: notices.CheckinSubmitted, view: Viewpoint) -> TextPayload:
    text: str = fmt(
        (
            _("📥 {name} sent a late check-in.")
            if notice.late
            else _("📥 {name} sent their check-in.")
        ),
        name=escape(notice.name),
    )
    text += " " + fmt(
        ngettext(
            "{count} check-in is waiting for review.",
            "{count} check-ins are waiting for review.",
            notice.waiting,
        ),
        count=notice.waiting,
    )
    review = ReviewCb(action=ReviewAction.show, checkin_id=notice.checkin_id)
    return TextPayload(text, buttons=buttons((_("Review"), review)))


def _checkin_date(notice: notices.ThreadNotice, view: Viewpoint) -> str:
    due = notice.due.astimezone(ZoneInfo(view.timezone))
    return format_date(due.date(), format="medium", locale=view.language)


def _with_body(heading: str, notice: notices.ThreadNotice) -> str:
    body = long_text(notice.text)
    return fmt("{heading}\n\n{body}", heading=heading, body=body) if body else heading


def checkin_feedback(notice: notices.CheckinFeedback, view: Viewpoint) -> TextPayload:
    heading = fmt(
        _("💬 {coach} replied to your check-in of {date}:"),
        coach=escape(notice.author),
        date=_checkin_date(notice, view),
    )
    answer = FeedbackCb(checkin_id=notice.checkin_id)
    return TextPayload(_with_body(heading, notice), buttons=buttons((_("💬 Answer"), answer)))


def checkin_thread_reply(notice: notices.CheckinThreadReply, view: Viewpoint) -> TextPayload:
    heading = fmt(
        _("💬 {name} answered about their check-in of {date}:"),
        name=escape(notice.author),
        date=_checkin_date(notice, view),
    )
    reply = ReviewCb(action=ReviewAction.reply, checkin_id=notice.checkin_id)
    return TextPayload(_with_body(heading, notice), buttons=buttons((_("💬 Reply"), reply)))
