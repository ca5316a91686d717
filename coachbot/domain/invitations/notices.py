"""What the inviter hears when their link is used."""

from __future__ import annotations

from dataclasses import dataclass

from coachbot.domain.shared.notices import Notice


@dataclass(frozen=True, kw_only=True)
class CoachJoined(Notice):
    name: str


@dataclass(frozen=True, kw_only=True)
class ClientJoined(Notice):
    name: str
