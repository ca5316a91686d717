"""Every notice type and the name it is stored under in the outbox.

The name is the stored contract: a notice queued by one release is rendered by the next,
so a name never changes (a renamed class keeps its name here).
"""

from __future__ import annotations

from typing import Any

from coachbot.domain.billing import notices as billing
from coachbot.domain.checkins import notices as checkins
from coachbot.domain.forms import notices as forms
from coachbot.domain.goals import notices as goals
from coachbot.domain.invitations import notices as invitations
from coachbot.domain.onboarding import notices as onboarding
from coachbot.domain.progress import notices as progress
from coachbot.domain.shared.notices import Notice, notice_from_params, notice_params

NOTICE_TYPES: dict[str, type[Notice]] = {
    "coach_joined": invitations.CoachJoined,
    "client_joined": invitations.ClientJoined,
    "client_onboarded": onboarding.ClientOnboarded,
    "photos_received": forms.PhotosReceived,
    "checkin_ready": checkins.CheckinReady,
    "checkin_nudge": checkins.CheckinNudge,
    "checkin_missed": checkins.CheckinMissed,
    "checkins_missed_alert": checkins.CheckinsMissedAlert,
    "checkin_submitted": checkins.CheckinSubmitted,
    "checkin_feedback": checkins.CheckinFeedback,
    "checkin_thread_reply": checkins.CheckinThreadReply,
    "milestone_reached": goals.MilestoneReached,
    "milestone_reached_note": goals.MilestoneReachedNote,
    "goal_reached": goals.GoalReached,
    "goal_reached_note": goals.GoalReachedNote,
    "achievement": goals.AchievementEarned,
    "achievement_note": goals.AchievementNote,
    "goal_change_proposed": goals.GoalChangeProposed,
    "goal_change_decided": goals.GoalChangeDecided,
    "goal_changed": goals.GoalChanged,
    "goal_overdue": goals.GoalOverdue,
    "monthly_report": progress.MonthlyReport,
    "export_ready": progress.ExportReady,
    "package_offer": billing.PackageOffer,
    "payment_receipt": billing.PaymentReceipt,
    "payment_received": billing.PaymentReceived,
    "payment_failed": billing.PaymentFailed,
    "payment_failed_coach": billing.PaymentFailedCoach,
    "payment_reminder": billing.PaymentReminder,
    "access_paused": billing.AccessPaused,
    "access_paused_coach": billing.AccessPausedCoach,
    "refund_issued": billing.RefundIssued,
    "trial_started": billing.TrialStarted,
    "trial_started_coach": billing.TrialStartedCoach,
    "subscription_ended": billing.SubscriptionEnded,
    "subscription_ended_coach": billing.SubscriptionEndedCoach,
    "subscription_cancelling_coach": billing.SubscriptionCancellingCoach,
    "subscription_renewed_coach": billing.SubscriptionRenewedCoach,
    "link_subscriber_unmatched": billing.LinkSubscriberUnmatched,
}
_NAMES = {cls: name for name, cls in NOTICE_TYPES.items()}


def notice_name(notice: Notice) -> str:
    """The stored name; KeyError for a type missing above (caught by the tests)."""
    return _NAMES[type(notice)]


def stored_notice(notice: Notice) -> tuple[str, dict[str, Any]]:
    return notice_name(notice), notice_params(notice)


def notice_from_stored(name: str, params: dict[str, Any]) -> Notice:
    """Raises KeyError for an unknown name, TypeError for missing fields."""
    return notice_from_params(NOTICE_TYPES[name], params)
