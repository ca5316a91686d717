"""Check-ins: the weekly loop between a client and their coach.

A plan says when a client checks in (a schedule and a template). At each due time a
check-in opens; the client answers it as a form (progress saved after every answer) and
submits it; it waits in the coach's review queue until the coach marks it reviewed or
skips it. A check-in not submitted within the coach's grace period is marked missed, but
late answers are still taken until the next check-in opens; then it closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from coachbot.domain.checkins.schedule import CheckinSchedule


class CheckinStatus(StrEnum):
    open = "open"  # due: can be started, answered, submitted (late too)
    submitted = "submitted"  # waiting in the coach's review queue
    reviewed = "reviewed"
    review_skipped = "review_skipped"  # the coach chose not to review this one
    closed = "closed"  # never submitted; the next check-in opened


ANSWERABLE = (CheckinStatus.open,)
IN_REVIEW_QUEUE = (CheckinStatus.submitted,)


@dataclass(frozen=True)
class CheckinRules:
    """A coach's follow-up rules, the same for all their clients."""

    nudge_after_hours: int = 24  # remind again if not submitted by then
    grace_hours: int = 48  # then it counts as missed and the client hears from us
    alert_after_misses: int = 2  # tell the coach when this many in a row are missed

    def __post_init__(self) -> None:
        if not 1 <= self.nudge_after_hours < self.grace_hours <= 24 * 14:
            raise ValueError("nudge must come before the grace period ends (max 14 days)")
        if not 1 <= self.alert_after_misses <= 10:
            raise ValueError("alert after 1 to 10 misses")

    def nudge_at(self, due_at: datetime) -> datetime:
        return due_at + timedelta(hours=self.nudge_after_hours)

    def missed_at(self, due_at: datetime) -> datetime:
        return due_at + timedelta(hours=self.grace_hours)

    def next_action_at(self, checkin: Checkin) -> datetime | None:
        """When the follow-up tick next has work on an open check-in: its nudge, then
        its miss; None once it is missed (it stays open for late answers)."""
        if checkin.missed_at is not None or checkin.status is not CheckinStatus.open:
            return None
        if checkin.nudged_at is None:
            return self.nudge_at(checkin.due_at)
        return self.missed_at(checkin.due_at)


@dataclass
class CheckinTemplate:
    """A coach's check-in form. Its questions live in the versioned form `form_key`;
    every edit stores a new version, and check-ins already begun keep theirs."""

    coach_id: int
    name: str
    form_key: str
    created_at: datetime
    archived: bool = False
    id: int | None = None


@dataclass
class CheckinPlan:
    client_id: int
    coach_id: int
    template_id: int
    schedule: CheckinSchedule
    updated_at: datetime
    next_due_at: datetime | None = None  # None: the schedule has no further date
    active: bool = True  # the coach stopped check-ins for this client when False


@dataclass
class Checkin:
    client_id: int
    coach_id: int
    user_id: int  # the client's Telegram user
    template_id: int
    form_key: str
    due_at: datetime
    status: CheckinStatus = CheckinStatus.open
    response_id: int | None = None  # the form response, once started
    started_at: datetime | None = None
    submitted_at: datetime | None = None
    nudged_at: datetime | None = None
    missed_at: datetime | None = None
    closed_at: datetime | None = None
    reviewed_at: datetime | None = None
    reviewed_by: int | None = None
    first_feedback_at: datetime | None = None
    # When the follow-up tick next has work here (the nudge, then the miss); None once
    # missed, submitted or closed: only open check-ins have one.
    next_action_at: datetime | None = None
    id: int | None = None

    @property
    def purpose(self) -> str:
        """The form response purpose that ties the answers to this check-in."""
        return f"checkin:{self.id}"

    @property
    def late(self) -> bool:
        return self.submitted_at is not None and self.missed_at is not None

    @property
    def answerable(self) -> bool:
        return self.status in ANSWERABLE


class ThreadRole(StrEnum):
    coach = "coach"
    client = "client"


class ThreadKind(StrEnum):
    text = "text"
    voice = "voice"
    photo = "photo"


@dataclass
class ThreadMessage:
    """One message of the conversation about a check-in (the coach's feedback)."""

    checkin_id: int
    author_user_id: int
    role: ThreadRole
    kind: ThreadKind
    created_at: datetime
    text: str = ""
    file_id: str | None = None  # Telegram's id of the voice note or photo
    id: int | None = None


@dataclass
class Photo:
    """A progress photo: processed (no EXIF, bounded size) and stored encrypted. It
    belongs to the person who sent it (GDPR export and deletion go by person)."""

    user_id: int
    blob_key: str
    thumbnail_key: str
    width: int
    height: int
    created_at: datetime
    checkin_id: int | None = None
    id: int | None = None


@dataclass
class MetricEntry:
    """One measurement, in SI units (kg, cm, %)."""

    client_id: int
    metric: str
    value: float
    measured_at: datetime
    created_at: datetime
    source: str = "checkin"  # or "log", "onboarding"
    checkin_id: int | None = None
    id: int | None = None
