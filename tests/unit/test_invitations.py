"""Invitation rules and the use cases that issue, accept and revoke them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from coachbot.domain.invitations.model import (
    Invitation,
    InvitationKind,
    InvitationState,
    hash_token,
)
from coachbot.domain.invitations.notices import CoachJoined
from coachbot.domain.invitations.use_cases import (
    AcceptInvitation,
    AcceptInvitationUseCase,
    InviteCoach,
    InviteCoachUseCase,
    ListInvitations,
    ListInvitationsUseCase,
    RevokeInvitation,
    RevokeInvitationUseCase,
)
from coachbot.domain.outbox.model import NoticePayload
from coachbot.domain.people.model import User
from coachbot.domain.shared.errors import (
    AlreadyCoachError,
    InvitationExpiredError,
    InvitationNotFound,
    InvitationRevokedError,
    InvitationUsedError,
    NotAllowedError,
)
from tests.fakes.clock import FakeClock
from tests.fakes.uow import FakeUnitOfWork

ADMIN = 1
NEWCOMER = 2


@pytest.fixture
async def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    async with uow:
        for telegram_id, name in ((100, "Ada"), (200, "Ben"), (300, "Cy")):
            await uow.users.add(User(telegram_id=telegram_id, first_name=name))
        await uow.commit()
    return uow


async def invite(uow: FakeUnitOfWork, clock: FakeClock, *, days: int = 7, note: str = "Ben"):
    return await InviteCoachUseCase(uow, clock)(
        InviteCoach(actor_user_id=ADMIN, actor_is_admin=True, note=note, valid_days=days)
    )


async def accept(uow: FakeUnitOfWork, clock: FakeClock, token: str, user_id: int = NEWCOMER):
    return await AcceptInvitationUseCase(uow, clock)(AcceptInvitation(user_id=user_id, token=token))


def test_token_fits_a_telegram_deep_link_and_carries_at_least_128_random_bits(clock):
    invitation, token = Invitation.issue(
        kind=InvitationKind.coach, created_by=1, now=clock.now(), valid_for=timedelta(days=1)
    )
    assert re.fullmatch(r"[A-Za-z0-9_-]{22,64}", token)
    assert len(token) * 6 >= 128
    assert invitation.token_hash == hash_token(token) != token


def test_tokens_are_never_repeated(clock):
    tokens = {
        Invitation.issue(
            kind=InvitationKind.coach, created_by=1, now=clock.now(), valid_for=timedelta(days=1)
        )[1]
        for _ in range(1000)
    }
    assert len(tokens) == 1000


def test_invitation_state_follows_time_use_and_revocation(clock):
    invitation, _ = Invitation.issue(
        kind=InvitationKind.coach, created_by=1, now=clock.now(), valid_for=timedelta(days=7)
    )
    assert invitation.state(clock.now()) is InvitationState.active
    assert invitation.state(clock.now() + timedelta(days=7)) is InvitationState.expired
    invitation.used_at = clock.now()
    assert invitation.state(clock.now()) is InvitationState.used
    invitation.revoked_at = clock.now()
    assert invitation.state(clock.now()) is InvitationState.revoked


async def test_only_admins_invite_coaches(uow, clock):
    with pytest.raises(NotAllowedError):
        await InviteCoachUseCase(uow, clock)(
            InviteCoach(actor_user_id=2, actor_is_admin=False, note="x", valid_days=7)
        )
    assert uow.saved_invitations == []


async def test_issued_invitation_stores_only_the_hash_and_is_audited(uow, clock):
    issued = await invite(uow, clock, days=7)
    [saved] = uow.saved_invitations
    assert saved.token_hash == hash_token(issued.token)
    assert issued.token not in repr(saved)
    assert issued.expires_at == clock.now() + timedelta(days=7)
    assert [e.action for e in uow.saved_audit] == ["invitation.created"]


async def test_validity_is_clamped_to_a_month(uow, clock):
    issued = await invite(uow, clock, days=400)
    assert issued.expires_at == clock.now() + timedelta(days=30)


async def test_accepting_makes_the_user_a_coach_once(uow, clock):
    issued = await invite(uow, clock)
    accepted = await accept(uow, clock, issued.token)
    assert accepted.kind is InvitationKind.coach
    assert accepted.invited_by is not None and accepted.invited_by.first_name == "Ada"
    with pytest.raises(InvitationUsedError):
        await accept(uow, clock, issued.token, user_id=3)


async def test_expired_invitation_is_refused(uow, clock):
    issued = await invite(uow, clock, days=1)
    clock.advance(days=1, seconds=1)
    with pytest.raises(InvitationExpiredError):
        await accept(uow, clock, issued.token)


@pytest.mark.parametrize("token", ["", "x" * 65, "not a token!", "A" * 32])
async def test_forged_or_malformed_tokens_are_not_found(uow, clock, token):
    await invite(uow, clock)
    with pytest.raises(InvitationNotFound):
        await accept(uow, clock, token)


async def test_an_existing_coach_cannot_spend_an_invitation(uow, clock):
    first = await invite(uow, clock)
    await accept(uow, clock, first.token)
    second = await invite(uow, clock)
    with pytest.raises(AlreadyCoachError):
        await accept(uow, clock, second.token)
    assert [i.used_at for i in uow.saved_invitations][1] is None


async def test_revoked_invitation_is_refused_and_leaves_the_list(uow, clock):
    issued = await invite(uow, clock)
    revoke = RevokeInvitationUseCase(uow, clock)
    await revoke(
        RevokeInvitation(
            actor_user_id=ADMIN, actor_is_admin=True, invitation_id=issued.invitation_id
        )
    )
    with pytest.raises(InvitationRevokedError):
        await accept(uow, clock, issued.token)
    listed = await ListInvitationsUseCase(uow, clock)(
        ListInvitations(actor_user_id=ADMIN, actor_is_admin=True)
    )
    assert listed == []


async def test_someone_else_cannot_revoke_an_invitation(uow, clock):
    issued = await invite(uow, clock)
    with pytest.raises(NotAllowedError):
        await RevokeInvitationUseCase(uow, clock)(
            RevokeInvitation(
                actor_user_id=3, actor_is_admin=False, invitation_id=issued.invitation_id
            )
        )


async def test_the_inviter_is_told_through_the_outbox_once(uow, clock):
    issued = await invite(uow, clock)
    await accept(uow, clock, issued.token)
    [message] = uow.saved_outbox
    assert message.recipient == "100"  # Ada's Telegram id: she invited
    assert isinstance(message.payload, NoticePayload)
    assert (message.payload.notice, message.payload.language) == (CoachJoined(name="Ben"), "en")
    assert message.not_before == clock.now()
    with pytest.raises(InvitationUsedError):
        await accept(uow, clock, issued.token, user_id=3)
    assert len(uow.saved_outbox) == 1


async def test_a_refused_acceptance_enqueues_nothing(uow, clock):
    issued = await invite(uow, clock, days=1)
    clock.advance(days=2)
    with pytest.raises(InvitationExpiredError):
        await accept(uow, clock, issued.token)
    assert uow.saved_outbox == []
