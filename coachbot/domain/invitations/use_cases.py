"""Invitation links: issue, accept, revoke and list them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from coachbot.domain.invitations.model import (
    Invitation,
    InvitationKind,
    hash_token,
    is_token_shaped,
)
from coachbot.domain.invitations.notices import ClientJoined, CoachJoined
from coachbot.domain.outbox.notices import notice_for
from coachbot.domain.people.model import Client, ClientStatus, Coach, User
from coachbot.domain.shared.audit import AuditEntry
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import (
    AlreadyClientError,
    AlreadyCoachError,
    InvitationNotFound,
    InvitationUsedError,
    NotAllowedError,
)
from coachbot.domain.shared.notices import Notice
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

NOTE_MAX_LENGTH = 100
MAX_VALID_DAYS = 30


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
    client_id: int | None = None


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


async def issue_invitation(
    uow: UnitOfWork,
    *,
    kind: InvitationKind,
    actor_user_id: int,
    now: datetime,
    valid_days: int,
    note: str,
    coach_id: int | None = None,
    client_id: int | None = None,
) -> InvitationIssued:
    """Store a new invitation (and its audit entry) in the caller's unit of work."""
    days = min(max(valid_days, 1), MAX_VALID_DAYS)
    invitation, token = Invitation.issue(
        kind=kind,
        created_by=actor_user_id,
        now=now,
        valid_for=timedelta(days=days),
        note=clean_note(note),
        coach_id=coach_id,
        client_id=client_id,
    )
    invitation = await uow.invitations.add(invitation)
    await uow.audit.record(
        _audit(now, "invitation.created", actor_user_id, invitation.id, kind=kind.value)
    )
    assert invitation.id is not None
    return InvitationIssued(invitation.id, token, invitation.note, invitation.expires_at)


class InviteCoachUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: InviteCoach) -> InvitationIssued:
        if not cmd.actor_is_admin:
            raise NotAllowedError()
        async with self._uow() as uow:
            issued = await issue_invitation(
                uow,
                kind=InvitationKind.coach,
                actor_user_id=cmd.actor_user_id,
                now=self._clock.now(),
                valid_days=cmd.valid_days,
                note=cmd.note,
            )
            await uow.commit()
        return issued


class AcceptInvitationUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: AcceptInvitation) -> InvitationAccepted:
        if not is_token_shaped(cmd.token):
            raise InvitationNotFound()
        now = self._clock.now()
        async with self._uow() as uow:
            invitation = await uow.invitations.get_by_token_hash(hash_token(cmd.token))
            if invitation is None or invitation.id is None:
                raise InvitationNotFound()
            invitation.ensure_usable(now)
            inviter = await uow.users.get(invitation.created_by)
            if invitation.kind is InvitationKind.client:
                client = await self._become_client(uow, cmd.user_id, invitation, now)
                if inviter is not None:
                    notice = ClientJoined(name=client.display_name)
                    await _tell(uow, inviter, notice, invitation, now)
                await uow.commit()
                return InvitationAccepted(invitation.kind, client.coach_id, inviter, client.id)
            coach = await self._become_coach(uow, cmd.user_id, invitation, now)
            if inviter is not None:
                await _tell(uow, inviter, CoachJoined(name=coach.display_name), invitation, now)
            await uow.commit()
        assert coach.id is not None
        return InvitationAccepted(invitation.kind, coach.id, inviter)

    async def _become_client(
        self, uow: UnitOfWork, user_id: int, invitation: Invitation, now: datetime
    ) -> Client:
        assert invitation.id is not None and invitation.client_id is not None
        client = await uow.clients.get(invitation.client_id)
        if client is None or client.user_id is not None:
            raise InvitationUsedError()
        coach = await uow.coaches.get(client.coach_id)
        if coach is not None and coach.user_id == user_id:
            raise NotAllowedError()  # a coach opening the link meant for their client
        if any(c.coach_id == client.coach_id for c in await uow.clients.list_for_user(user_id)):
            raise AlreadyClientError()
        if not await uow.invitations.mark_used(invitation.id, user_id=user_id, now=now):
            raise InvitationUsedError()
        client.user_id, client.status = user_id, ClientStatus.onboarding
        await uow.clients.update(client)
        await uow.audit.record(_audit(now, "invitation.accepted", user_id, invitation.id))
        return client

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


async def _tell(
    uow: UnitOfWork, inviter: User, notice: Notice, invitation: Invitation, now: datetime
) -> None:
    """Let the inviter know their link was used (through the outbox: not their update)."""
    await uow.outbox.enqueue(
        notice_for(inviter, notice, key=f"invitation:{invitation.id}:accepted", now=now)
    )


class RevokeInvitationUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: RevokeInvitation) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
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
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ListInvitations) -> Sequence[InvitationSummary]:
        created_by = None if cmd.actor_is_admin else cmd.actor_user_id
        async with self._uow() as uow:
            invitations = await uow.invitations.list_active(
                created_by=created_by, now=self._clock.now()
            )
        return [
            InvitationSummary(i.id, i.kind, i.note, i.created_at, i.expires_at)
            for i in invitations
            if i.id is not None
        ]
