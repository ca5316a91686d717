"""What the coach hears when a client finishes onboarding."""

from __future__ import annotations

from dataclasses import dataclass

from coachbot.domain.shared.notices import Notice


@dataclass(frozen=True, kw_only=True)
class ClientOnboarded(Notice):
    name: str
    health_flags: int = 0  # health screen questions answered yes
    client_id: int | None = None  # None: queued before the notice named the client
