"""Notices about answering a form."""

from __future__ import annotations

from dataclasses import dataclass

from coachbot.domain.shared.notices import Notice


@dataclass(frozen=True, kw_only=True)
class PhotosReceived(Notice):
    """An album of photos arrived; more may follow until the person taps Done."""

    response_id: int
