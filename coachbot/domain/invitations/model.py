"""Invitation links: random, stored hashed, expiring, single-use, revocable.

Telegram deep-link payloads allow at most 64 characters of A-Za-z0-9_-, so the token is
32 URL-safe characters (192 random bits). Only its SHA-256 is stored: a database leak
does not leak usable links.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from coachbot.domain.shared.errors import (
    InvitationExpiredError,
    InvitationRevokedError,
    InvitationUsedError,
)

TOKEN_BYTES = 24
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class InvitationKind(StrEnum):
    coach = "coach"
    client = "client"


class InvitationState(StrEnum):
    active = "active"
    used = "used"
    expired = "expired"
    revoked = "revoked"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_token_shaped(token: str) -> bool:
    return bool(TOKEN_PATTERN.fullmatch(token))


@dataclass
class Invitation:
    kind: InvitationKind
    token_hash: str
    created_by: int
    created_at: datetime
    expires_at: datetime
    note: str = ""
    coach_id: int | None = None
    client_id: int | None = None
    used_at: datetime | None = None
    used_by: int | None = None
    revoked_at: datetime | None = None
    id: int | None = None

    @classmethod
    def issue(
        cls,
        *,
        kind: InvitationKind,
        created_by: int,
        now: datetime,
        valid_for: timedelta,
        note: str = "",
        coach_id: int | None = None,
        client_id: int | None = None,
    ) -> tuple[Invitation, str]:
        """A new invitation and its clear-text token (shown once, never stored)."""
        if valid_for <= timedelta(0):
            raise ValueError("an invitation must be valid for a positive time")
        token = new_token()
        invitation = cls(
            kind=kind,
            token_hash=hash_token(token),
            created_by=created_by,
            created_at=now,
            expires_at=now + valid_for,
            note=note,
            coach_id=coach_id,
            client_id=client_id,
        )
        return invitation, token

    def state(self, now: datetime) -> InvitationState:
        if self.revoked_at is not None:
            return InvitationState.revoked
        if self.used_at is not None:
            return InvitationState.used
        if now >= self.expires_at:
            return InvitationState.expired
        return InvitationState.active

    def ensure_usable(self, now: datetime) -> None:
        state = self.state(now)
        if state is InvitationState.revoked:
            raise InvitationRevokedError()
        if state is InvitationState.used:
            raise InvitationUsedError()
        if state is InvitationState.expired:
            raise InvitationExpiredError()
