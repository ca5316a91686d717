"""Telling people things through the outbox: a notice the bot renders in the recipient's
language when it is sent, once per idempotency key, and not during their quiet hours
where the moment is ours to choose."""

from __future__ import annotations

from datetime import datetime, time

from coachbot.domain.checkins.schedule import outside_quiet_hours
from coachbot.domain.outbox.model import Channel, NoticePayload, OutgoingMessage
from coachbot.domain.people.model import User
from coachbot.domain.shared.notices import Notice


def notice_for(
    user: User,
    notice: Notice,
    *,
    key: str,
    now: datetime,
    not_before: datetime | None = None,
    expires_at: datetime | None = None,
    attachment: str | None = None,
    attachment_kind: str | None = None,
) -> OutgoingMessage:
    """`notice` for `user`, sent from `not_before` (now unless given), rendered in their
    language, time zone and units."""
    return OutgoingMessage(
        channel=Channel.telegram,
        recipient=str(user.telegram_id),
        payload=NoticePayload(
            notice,
            language=user.language,
            timezone=user.timezone,
            units=user.units,
            attachment=attachment,
            attachment_kind=attachment_kind,
        ),
        idempotency_key=key,
        created_at=now,
        not_before=not_before or now,
        expires_at=expires_at,
    )


def send_time(user: User, at: datetime) -> datetime:
    """`at`, or the end of the person's quiet hours when it falls within them."""
    return outside_quiet_hours(
        at,
        timezone=user.timezone,
        quiet_start=time.fromisoformat(user.quiet_start),
        quiet_end=time.fromisoformat(user.quiet_end),
    )
