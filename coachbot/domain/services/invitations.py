"""Invitation links: issue, accept, revoke and list them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from coachbot.domain.clock import Clock
from coachbot.domain.errors import (
    AlreadyCoachError,
    InvitationNotFound,
    InvitationUsedError,
    NotAllowedError,
)
from coachbot.domain.model import (
    AuditEntry,
    Channel,
    Coach,
    Invitation,
    InvitationKind,
    Notice,
    OutgoingMessage,
    User,
)
from coachbot.domain.model.invitations import hash_token, is_token_shaped
from coachbot.domain.ports import UnitOfWork

NOTE_MAX_LENGTH = 100


@dataclass(frozen=True, kw_only=True)
class InviteCoach:
    actor_user_id: int
    actor_is_admin: bool
    note: str
    valid_days: int


@dataclass(frozen=True)
class InvitationIssued:
    invitation_id: int
    token: str
    note: str
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class AcceptInvitation:
    user_id: int
    token: str


@dataclass(frozen=True)
class InvitationAccepted:
    kind: InvitationKind
    coach_id: int
    invited_by: User | None


@dataclass(frozen=True, kw_only=True)
class RevokeInvitation:
    actor_user_id: int
    actor_is_admin: bool
    invitation_id: int


@dataclass(frozen=True, kw_only=True)
class ListInvitations:
    actor_user_id: int
    actor_is_admin: bool


@dataclass(frozen=True)
class InvitationSummary:
    invitation_id: int
    kind: InvitationKind
    note: str
    created_at: datetime
    expires_at: datetime


def _audit(now: datetime, action: str, actor: int | None, invitation_id: int | None, **details):
    return AuditEntry(
        at=now,
        action=action,
        actor_user_id=actor,
        subject_type="invitation",
        subject_id=invitation_id,
        details=details,
    )


def clean_note(note: str) -> str:
    """A note is a short label for the inviter's own records; one line, bounded."""
    return " ".join(note.split())[:NOTE_MAX_LENGTH]


class InviteCoachUseCase:
    def __init__(self, uow: UnitOfWork, clock: Clock, *, max_valid_days: int = 30) -> None:
        self._uow = uow
        self._clock = clock
        self._max_valid_days = max_valid_days

    async def __call__(self, cmd: InviteCoach) -> InvitationIssued:
        if not cmd.actor_is_admin:
            raise NotAllowedError()
        days = min(max(cmd.valid_days, 1), self._max_valid_days)
        now = self._clock.now()
        invitation, token = Invitation.issue(
            kind=InvitationKind.coach,
            created_by=cmd.actor_user_id,
            now=now,
            valid_for=timedelta(days=days),
            note=clean_note(cmd.note),
        )
        async with self._uow as uow:
            invitation = await uow.invitations.add(invitation)
            await uow.audit.record(
                _audit(now, "invitation.created", cmd.actor_user_id, invitation.id, kind="coach")
            )
            await uow.commit()
        assert invitation.id is not None
        return InvitationIssued(invitation.id, token, invitation.note, invitation.expires_at)


class AcceptInvitationUseCase:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: AcceptInvitation) -> InvitationAccepted:
        if not is_token_shaped(cmd.token):
            raise InvitationNotFound()
        now = self._clock.now()
        async with self._uow as uow:
            invitation = await uow.invitations.get_by_token_hash(hash_token(cmd.token))
            if invitation is None or invitation.id is None:
                raise InvitationNotFound()
            invitation.ensure_usable(now)
            if invitation.kind is not InvitationKind.coach:
                # Client invitations are accepted by the onboarding flow, which owns them.
                raise InvitationNotFound()
            coach = await self._become_coach(uow, cmd.user_id, invitation, now)
            inviter = await uow.users.get(invitation.created_by)
            if inviter is not None:
                await self._tell_inviter(uow, inviter, coach, invitation, now)
            await uow.commit()
        assert coach.id is not None
        return InvitationAccepted(invitation.kind, coach.id, inviter)

    async def _become_coach(
        self, uow: UnitOfWork, user_id: int, invitation: Invitation, now: datetime
    ) -> Coach:
        assert invitation.id is not None
        if await uow.coaches.get_by_user(user_id) is not None:
            raise AlreadyCoachError()
        if not await uow.invitations.mark_used(invitation.id, user_id=user_id, now=now):
            raise InvitationUsedError()
        user = await uow.users.get(user_id)
        assert user is not None
        coach = await uow.coaches.add(
            Coach(
                user_id=user_id,
                display_name=user.full_name,
                created_at=now,
                invited_by=invitation.created_by,
            )
        )
        await uow.audit.record(_audit(now, "invitation.accepted", user_id, invitation.id))
        await uow.audit.record(
            AuditEntry(
                at=now,
                action="coach.created",
                actor_user_id=user_id,
                subject_type="coach",
                subject_id=coach.id,
                details={"invitation_id": invitation.id},
            )
        )
        return coach

    @staticmethod
    async def _tell_inviter(
        uow: UnitOfWork, inviter: User, coach: Coach, invitation: Invitation, now: datetime
    ) -> None:
        await uow.outbox.enqueue(
            OutgoingMessage(
                channel=Channel.telegram,
                recipient=str(inviter.telegram_id),
                payload=Notice("coach_joined", {"name": coach.display_name}, inviter.language),
                idempotency_key=f"invitation:{invitation.id}:accepted",
                created_at=now,
                not_before=now,
            )
        )


class RevokeInvitationUseCase:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: RevokeInvitation) -> None:
        now = self._clock.now()
        async with self._uow as uow:
            invitation = await uow.invitations.get(cmd.invitation_id)
            if invitation is None:
                raise InvitationNotFound()
            if not (cmd.actor_is_admin or invitation.created_by == cmd.actor_user_id):
                raise NotAllowedError()
            invitation.ensure_usable(now)
            if not await uow.invitations.mark_revoked(cmd.invitation_id, now=now):
                raise InvitationUsedError()
            await uow.audit.record(
                _audit(now, "invitation.revoked", cmd.actor_user_id, cmd.invitation_id)
            )
            await uow.commit()


class ListInvitationsUseCase:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ListInvitations) -> Sequence[InvitationSummary]:
        created_by = None if cmd.actor_is_admin else cmd.actor_user_id
        async with self._uow as uow:
            invitations = await uow.invitations.list_active(
                created_by=created_by, now=self._clock.now()
            )
        return [
            InvitationSummary(i.id, i.kind, i.note, i.created_at, i.expires_at)
            for i in invitations
            if i.id is not None
        ]
