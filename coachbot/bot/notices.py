"""Rendering the notices use cases leave in the outbox, for their reader: one renderer
per notice type, all listed here (a type without one fails the tests, not the worker)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from aiogram.utils.i18n import I18n

from coachbot.bot.billing import notices as billing
from coachbot.bot.checkins import notices as checkins
from coachbot.bot.forms import notices as forms
from coachbot.bot.invitations import notices as invitations
from coachbot.bot.markup import fit
from coachbot.bot.notice_kit import Rendered, Viewpoint
from coachbot.bot.onboarding import notices as onboarding
from coachbot.bot.progress import notices as progress
from coachbot.domain.billing import notices as billing_notices
from coachbot.domain.checkins import notices as checkin_notices
from coachbot.domain.forms.notices import PhotosReceived
from coachbot.domain.forms.units import UnitSystem
from coachbot.domain.goals import notices as goal_notices
from coachbot.domain.invitations.notices import ClientJoined, CoachJoined
from coachbot.domain.onboarding.notices import ClientOnboarded
from coachbot.domain.outbox.model import (
    DocumentPayload,
    FileRef,
    NoticePayload,
    Payload,
    PhotoPayload,
    TextPayload,
    VoicePayload,
)
from coachbot.domain.progress.notices import ExportReady, MonthlyReport, StoredFileNotice
from coachbot.domain.progress.report_files import STORED_DOCUMENT
from coachbot.domain.shared.notices import Notice

N = TypeVar("N", bound=Notice)
CAPTION_LIMIT = 1024  # characters in a photo's, voice note's or document's caption
Renderer = Callable[[Any, Viewpoint], Rendered]


def _entry(
    kind: type[N], render: Callable[[N, Viewpoint], Rendered]
) -> tuple[type[Notice], Renderer]:
    """A type and its renderer, checked by mypy to fit each other."""
    return kind, render


RENDERERS: dict[type[Notice], Renderer] = dict(
    [
        _entry(CoachJoined, invitations.coach_joined),
        _entry(ClientJoined, invitations.client_joined),
        _entry(ClientOnboarded, onboarding.client_onboarded),
        _entry(PhotosReceived, forms.photos_received),
        _entry(checkin_notices.CheckinReady, checkins.checkin_ready),
        _entry(checkin_notices.CheckinNudge, checkins.checkin_nudge),
        _entry(checkin_notices.CheckinMissed, checkins.checkin_missed),
        _entry(checkin_notices.CheckinsMissedAlert, checkins.checkins_missed_alert),
        _entry(checkin_notices.CheckinSubmitted, checkins.checkin_submitted),
        _entry(checkin_notices.CheckinFeedback, checkins.checkin_feedback),
        _entry(checkin_notices.CheckinThreadReply, checkins.checkin_thread_reply),
        _entry(goal_notices.MilestoneReached, progress.milestone_reached),
        _entry(goal_notices.MilestoneReachedNote, progress.milestone_reached_note),
        _entry(goal_notices.GoalReached, progress.goal_reached),
        _entry(goal_notices.GoalReachedNote, progress.goal_reached_note),
        _entry(goal_notices.AchievementEarned, progress.achievement),
        _entry(goal_notices.AchievementNote, progress.achievement_note),
        _entry(goal_notices.GoalChangeProposed, progress.goal_change_proposed),
        _entry(goal_notices.GoalChangeDecided, progress.goal_change_decided),
        _entry(goal_notices.GoalChanged, progress.goal_changed),
        _entry(goal_notices.GoalOverdue, progress.goal_overdue),
        _entry(MonthlyReport, progress.monthly_report),
        _entry(ExportReady, progress.export_ready),
        _entry(billing_notices.PackageOffer, billing.package_offer),
        _entry(billing_notices.PaymentReceipt, billing.payment_receipt),
        _entry(billing_notices.PaymentReceived, billing.payment_received),
        _entry(billing_notices.PaymentFailed, billing.payment_failed),
        _entry(billing_notices.PaymentFailedCoach, billing.payment_failed_coach),
        _entry(billing_notices.PaymentReminder, billing.payment_reminder),
        _entry(billing_notices.AccessPaused, billing.access_paused),
        _entry(billing_notices.AccessPausedCoach, billing.access_paused_coach),
        _entry(billing_notices.RefundIssued, billing.refund_issued),
        _entry(billing_notices.TrialStarted, billing.trial_started),
        _entry(billing_notices.TrialStartedCoach, billing.trial_started_coach),
        _entry(billing_notices.SubscriptionEnded, billing.subscription_ended),
        _entry(billing_notices.SubscriptionEndedCoach, billing.subscription_ended_coach),
        _entry(billing_notices.SubscriptionCancellingCoach, billing.subscription_cancelling_coach),
        _entry(billing_notices.SubscriptionRenewedCoach, billing.subscription_renewed_coach),
        _entry(billing_notices.LinkSubscriberUnmatched, billing.link_subscriber_unmatched),
    ]
)


def notice_renderer(i18n: I18n) -> Callable[[NoticePayload], Payload]:
    """Raises KeyError for a notice nobody knows how to render (a permanent failure)."""

    def render(payload: NoticePayload) -> Payload:
        template = RENDERERS[type(payload.notice)]
        language = payload.language if payload.language in i18n.available_locales else None
        with i18n.context(), i18n.use_locale(language or i18n.default_locale):
            view = Viewpoint(i18n.current_locale, UnitSystem(payload.units), payload.timezone)
            rendered = template(payload.notice, view)
        text = rendered if isinstance(rendered, TextPayload) else TextPayload(text=rendered)
        return _with_attachment(payload, text)

    return render


def _with_attachment(payload: NoticePayload, text: TextPayload) -> Payload:
    """A voice note or photo that comes with a notice carries its text as the caption."""
    if payload.attachment is None:
        return text
    # A caption holds 1024 characters; a thread message's text may have more.
    text = dataclasses.replace(text, text=fit(text.text, CAPTION_LIMIT))
    notice = payload.notice
    if payload.attachment_kind == STORED_DOCUMENT:  # a generated report or export
        assert isinstance(notice, StoredFileNotice)
        stored = FileRef(blob_key=payload.attachment, filename=notice.filename)
        return DocumentPayload(stored, caption=text.text, buttons=text.buttons)
    file = FileRef(file_id=payload.attachment)
    if payload.attachment_kind == "voice":
        return VoicePayload(file, caption=text.text, buttons=text.buttons)
    return PhotoPayload(file, caption=text.text, buttons=text.buttons, protect_content=False)
