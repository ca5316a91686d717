"""Where invitations are kept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from coachbot.domain.invitations.model import Invitation


class InvitationRepository(Protocol):
    async def add(self, invitation: Invitation) -> Invitation: ...
    async def get(self, invitation_id: int) -> Invitation | None: ...
    async def get_by_token_hash(self, token_hash: str) -> Invitation | None: ...
    async def list_active(
        self, *, created_by: int | None, now: datetime
    ) -> Sequence[Invitation]: ...
    async def mark_used(self, invitation_id: int, *, user_id: int, now: datetime) -> bool:
        """Atomically consume: True only for the one caller that won the race."""
        ...

    async def mark_revoked(self, invitation_id: int, *, now: datetime) -> bool: ...
    async def active_for_client(self, client_id: int, *, now: datetime) -> Sequence[Invitation]: ...
