"""The SQL repositories and unit of work, run on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from coachbot.domain.invitations.model import Invitation, InvitationKind
from coachbot.domain.people.model import Client, ClientStatus, Coach, User, UserRoles
from coachbot.domain.shared.audit import AuditEntry
from coachbot.domain.shared.errors import AlreadyCoachError
from coachbot.storage.uow import SqlUnitOfWork


@pytest.fixture
def uow(session_factory) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory)


async def add_user(uow: SqlUnitOfWork, telegram_id: int, name: str = "Ada", **fields) -> User:
    async with uow:
        user = await uow.users.add(User(telegram_id=telegram_id, first_name=name, **fields))
        await uow.commit()
    return user


async def test_user_round_trip_keeps_every_field_and_utc_times(uow, clock):
    big_telegram_id = 7_123_456_789  # Telegram ids exceed 32 bits
    created = await add_user(
        uow,
        big_telegram_id,
        last_name="Lovelace",
        username="ada",
        language="en",
        timezone="Europe/London",
        created_at=clock.now(),
    )
    async with uow:
        loaded = await uow.users.get_by_telegram_id(big_telegram_id)
    assert loaded == created
    assert loaded.created_at == clock.now() and loaded.created_at.utcoffset() == timedelta(0)


async def test_a_user_is_read_with_their_coach_and_client_records_in_one_go(uow, clock):
    coach_user = await add_user(uow, 1, "Anna", created_at=clock.now())
    client_user = await add_user(uow, 2, "Cleo", created_at=clock.now())
    async with uow:
        coach = await uow.coaches.add(
            Coach(user_id=coach_user.id, display_name="Anna", created_at=clock.now())
        )
        other = await uow.coaches.add(
            Coach(user_id=client_user.id, display_name="Cleo", created_at=clock.now())
        )
        clients = [
            await uow.clients.add(
                Client(
                    coach_id=coach_id,
                    display_name="Cleo",
                    status=status,
                    created_at=clock.now(),
                    user_id=client_user.id,
                )
            )
            for coach_id, status in (
                (coach.id, ClientStatus.active),
                (other.id, ClientStatus.onboarding),
            )
        ]
        await uow.commit()
    async with uow:
        anna = await uow.users.with_roles(1)
        cleo = await uow.users.with_roles(2)
        nobody = await uow.users.with_roles(3)
    assert anna == UserRoles(coach_user, coach, ())
    assert cleo == UserRoles(client_user, other, tuple(clients))
    assert nobody is None


async def test_update_changes_the_stored_user(uow, clock):
    user = await add_user(uow, 1, created_at=clock.now())
    user.first_name, user.timezone = "Augusta", "Asia/Tokyo"
    async with uow:
        await uow.users.update(user)
        await uow.commit()
    async with uow:
        assert await uow.users.get(user.id) == user


async def test_uncommitted_work_is_rolled_back(uow, clock):
    async with uow:
        await uow.users.add(User(telegram_id=5, first_name="Gone", created_at=clock.now()))
    async with uow:
        assert await uow.users.get_by_telegram_id(5) is None


async def test_an_error_inside_the_unit_of_work_rolls_back(uow, clock):
    with pytest.raises(RuntimeError):
        async with uow:
            await uow.users.add(User(telegram_id=6, first_name="Gone", created_at=clock.now()))
            raise RuntimeError("boom")
    async with uow:
        assert await uow.users.get_by_telegram_id(6) is None


async def test_duplicate_telegram_id_is_refused(uow, clock):
    await add_user(uow, 8, created_at=clock.now())
    with pytest.raises(IntegrityError):
        await add_user(uow, 8, created_at=clock.now())


async def test_second_coach_row_for_a_user_maps_to_a_domain_error(uow, clock):
    user = await add_user(uow, 9, created_at=clock.now())
    coach = Coach(user_id=user.id, display_name="Ada", created_at=clock.now())
    async with uow:
        await uow.coaches.add(coach)
        await uow.commit()
    with pytest.raises(AlreadyCoachError):
        async with uow:
            await uow.coaches.add(Coach(user_id=user.id, display_name="A", created_at=clock.now()))
            await uow.commit()


async def test_clients_are_listed_per_coach_and_per_user(uow, clock):
    coach_user = await add_user(uow, 10, created_at=clock.now())
    client_user = await add_user(uow, 11, "Ben", created_at=clock.now())
    async with uow:
        coach = await uow.coaches.add(
            Coach(user_id=coach_user.id, display_name="Ada", created_at=clock.now())
        )
        for name, status, user_id in (
            ("Ben", ClientStatus.active, client_user.id),
            ("Cy", ClientStatus.invited, None),
        ):
            await uow.clients.add(
                Client(
                    coach_id=coach.id,
                    display_name=name,
                    status=status,
                    created_at=clock.now(),
                    user_id=user_id,
                )
            )
        await uow.commit()
    async with uow:
        listed = await uow.clients.list_for_coach(coach.id)
        mine = await uow.clients.list_for_user(client_user.id)
    assert [(c.display_name, c.status) for c in listed] == [
        ("Ben", ClientStatus.active),
        ("Cy", ClientStatus.invited),
    ]
    assert [c.display_name for c in mine] == ["Ben"]


async def issue(uow: SqlUnitOfWork, creator: User, clock, days: int = 7) -> Invitation:
    invitation, _token = Invitation.issue(
        kind=InvitationKind.coach,
        created_by=creator.id,
        now=clock.now(),
        valid_for=timedelta(days=days),
        note="for Ben",
    )
    async with uow:
        invitation = await uow.invitations.add(invitation)
        await uow.commit()
    return invitation


async def test_invitation_round_trip_and_lookup_by_hash(uow, clock):
    admin = await add_user(uow, 20, created_at=clock.now())
    invitation = await issue(uow, admin, clock)
    async with uow:
        assert await uow.invitations.get_by_token_hash(invitation.token_hash) == invitation
        assert await uow.invitations.get(invitation.id) == invitation
        assert await uow.invitations.get_by_token_hash("0" * 64) is None


async def test_only_one_of_many_concurrent_accepts_consumes_an_invitation(session_factory, clock):
    setup = SqlUnitOfWork(session_factory)
    admin = await add_user(setup, 30, created_at=clock.now())
    invitation = await issue(setup, admin, clock)
    users = [await add_user(setup, 31 + i, created_at=clock.now()) for i in range(5)]

    async def try_accept(user: User) -> bool:
        async with SqlUnitOfWork(session_factory) as uow:
            won = await uow.invitations.mark_used(invitation.id, user_id=user.id, now=clock.now())
            await uow.commit()
            return won

    results = await asyncio.gather(*(try_accept(user) for user in users))
    assert sorted(results) == [False, False, False, False, True]


async def test_active_list_leaves_out_used_revoked_and_expired(uow, clock):
    admin = await add_user(uow, 40, created_at=clock.now())
    other = await add_user(uow, 41, created_at=clock.now())
    used, revoked, _expired_soon, kept, foreign = [
        await issue(uow, creator, clock, days)
        for creator, days in ((admin, 7), (admin, 7), (admin, 1), (admin, 7), (other, 7))
    ]
    async with uow:
        assert await uow.invitations.mark_used(used.id, user_id=other.id, now=clock.now())
        assert await uow.invitations.mark_revoked(revoked.id, now=clock.now())
        assert not await uow.invitations.mark_revoked(used.id, now=clock.now())
        await uow.commit()
    later = clock.now() + timedelta(days=2)
    async with uow:
        mine = await uow.invitations.list_active(created_by=admin.id, now=later)
        everyone = await uow.invitations.list_active(created_by=None, now=later)
    assert [i.id for i in mine] == [kept.id]
    assert [i.id for i in everyone] == [kept.id, foreign.id]


async def test_audit_entries_are_kept_newest_first(uow, clock):
    actor = await add_user(uow, 50, created_at=clock.now())
    async with uow:
        for minute, action in enumerate(("invitation.created", "invitation.accepted")):
            await uow.audit.record(
                AuditEntry(
                    at=clock.now() + timedelta(minutes=minute),
                    action=action,
                    actor_user_id=actor.id,
                    subject_type="invitation",
                    subject_id=1,
                    details={"kind": "coach"},
                )
            )
        await uow.commit()
    async with uow:
        entries = await uow.audit.list_recent()
    assert [e.action for e in entries] == ["invitation.accepted", "invitation.created"]
    assert entries[0].details == {"kind": "coach"}
