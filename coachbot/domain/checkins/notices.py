"""Notices about check-ins: to the client (ready, reminders) and the coach (submitted,
missed), and the messages of a check-in's thread passed on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coachbot.domain.shared.notices import Notice


@dataclass(frozen=True, kw_only=True)
class CheckinReady(Notice):
    checkin_id: int
    name: str


@dataclass(frozen=True, kw_only=True)
class CheckinNudge(Notice):
    checkin_id: int
    started: bool = False  # half done rather than not begun


@dataclass(frozen=True, kw_only=True)
class CheckinMissed(Notice):
    checkin_id: int
    name: str
    # Closed because the next check-in opened: it can no longer be sent.
    superseded: bool = False


@dataclass(frozen=True, kw_only=True)
class CheckinsMissedAlert(Notice):
    client_id: int
    name: str
    count: int  # misses in a row


@dataclass(frozen=True, kw_only=True)
class CheckinSubmitted(Notice):
    checkin_id: int
    name: str
    waiting: int  # check-ins in the coach's review queue
    late: bool = False


@dataclass(frozen=True, kw_only=True)
class ThreadNotice(Notice):
    """A message about a check-in passed on (voice notes and photos come as attachment)."""

    checkin_id: int
    author: str
    due: datetime  # names the check-in, in the reader's time zone
    text: str = ""


@dataclass(frozen=True, kw_only=True)
class CheckinFeedback(ThreadNotice):
    """The coach wrote to the client."""


@dataclass(frozen=True, kw_only=True)
class CheckinThreadReply(ThreadNotice):
    """The client answered the coach."""
