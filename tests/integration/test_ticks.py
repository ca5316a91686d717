"""Tick jobs: one leader among processes, take-over when it dies, APScheduler settings;
the check-in ticks read only due work, batch after batch, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from sqlalchemy import insert, select, update

from coachbot.domain.checkins.model import CheckinRules
from coachbot.domain.checkins.setup import (
    SetCheckinPlan,
    SetCheckinPlanUseCase,
    SetCheckinRules,
    SetCheckinRulesUseCase,
)
from coachbot.domain.checkins.ticks import FollowUpCheckinsUseCase, OpenDueCheckinsUseCase
from coachbot.domain.forms.use_cases import SyncShippedFormsUseCase
from coachbot.domain.people.clients import UpdateClient, UpdateClientUseCase
from coachbot.domain.people.model import Client, ClientStatus, Coach, User
from coachbot.scheduler.jobs import LEADER_LEASE, TickJob, TickScheduler
from coachbot.storage.form_templates import shipped_templates
from coachbot.storage.repositories import SqlLeases
from coachbot.storage.repositories._mapping import as_utc
from coachbot.storage.tables import CheckinPlanRow, CheckinRow, ClientRow, OutboxRow
from coachbot.storage.uow import SqlUnitOfWork

MONDAY_0800_BERLIN = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)


def recording_job(name: str, runs: list) -> TickJob:
    async def run(now) -> None:
        runs.append((name, now))

    return TickJob(name, 30, run)


async def test_only_the_leader_runs_ticks_and_another_takes_over_when_it_dies(
    session_factory, clock
):
    runs: list = []
    job = recording_job("remind", runs)
    leases = SqlLeases(session_factory)
    first = TickScheduler([job], leases, clock, holder="first")
    second = TickScheduler([job], leases, clock, holder="second")
    assert await first.tick(job) is True
    assert await second.tick(job) is False
    clock.advance(seconds=30)
    assert await first.tick(job) is True  # renews its lease
    clock.advance(seconds=91)  # the first process is gone: its lease (3 ticks) runs out
    assert await second.tick(job) is True
    assert await first.tick(job) is False
    assert [name for name, _ in runs] == ["remind"] * 3


async def test_stopping_hands_the_lead_over_at_once(session_factory, clock):
    leases = SqlLeases(session_factory)
    job = recording_job("remind", [])
    first = TickScheduler([job], leases, clock, holder="first")
    await first.tick(job)
    await first.stop()
    assert await leases.acquire(LEADER_LEASE, holder="second", now=clock.now(), ttl_seconds=5)


async def test_a_failing_job_does_not_stop_the_ticks(session_factory, clock, caplog):
    async def broken(now) -> None:
        raise RuntimeError("boom")

    scheduler = TickScheduler([TickJob("broken", 30, broken)], SqlLeases(session_factory), clock)
    assert await scheduler.tick(TickJob("broken", 30, broken)) is True
    assert "Tick job broken failed" in caplog.text


async def test_apscheduler_is_configured_not_to_skip_or_pile_up_late_ticks(session_factory, clock):
    job = recording_job("remind", [])
    scheduler = TickScheduler([job], SqlLeases(session_factory), clock).build()
    scheduler.start(paused=True)  # job defaults apply once jobs reach the store
    try:
        [scheduled] = scheduler.get_jobs()
        assert scheduled.coalesce is True
        assert scheduled.max_instances == 1
        assert scheduled.misfire_grace_time == 30  # not APScheduler's 1 s default
        assert isinstance(scheduler._lookup_jobstore("default"), MemoryJobStore)
    finally:
        scheduler.shutdown(wait=False)


# -- the check-in ticks, set-based ---------------------------------------------------------


async def seed_clients(session_factory, clock, count: int, *, alert_after: int = 2) -> dict:
    """Coach Anna and `count` active clients in Berlin, each with weekly Monday check-ins
    at 08:00 (the first on 9 March 2026)."""
    await SyncShippedFormsUseCase(SqlUnitOfWork(session_factory), clock)(shipped_templates())
    uow = SqlUnitOfWork(session_factory)
    async with uow:
        anna = await uow.users.add(User(telegram_id=1, first_name="Anna", created_at=clock.now()))
        coach = await uow.coaches.add(
            Coach(
                user_id=anna.id,
                display_name="Anna",
                created_at=clock.now(),
                checkin_rules=CheckinRules(alert_after_misses=alert_after),
            )
        )
        clients = []
        for n in range(count):
            user = await uow.users.add(
                User(
                    telegram_id=100 + n,
                    first_name=f"Client {n}",
                    timezone="Europe/Berlin",
                    created_at=clock.now(),
                )
            )
            clients.append(
                await uow.clients.add(
                    Client(
                        coach_id=coach.id,
                        display_name=f"Client {n}",
                        status=ClientStatus.active,
                        created_at=clock.now(),
                        user_id=user.id,
                    )
                )
            )
        await uow.commit()
    plan = SetCheckinPlanUseCase(uow, clock)
    for client in clients:
        await plan(
            SetCheckinPlan(
                coach_id=coach.id, client_id=client.id, frequency="weekly", weekdays=(0,)
            )
        )
    return {"anna": anna, "coach": coach, "clients": clients}


async def outbox_keys(session_factory) -> list[str]:
    async with session_factory() as session:
        return list(await session.scalars(select(OutboxRow.idempotency_key).order_by(OutboxRow.id)))


async def test_one_tick_opens_every_due_checkin_batch_after_batch(session_factory, clock):
    await seed_clients(session_factory, clock, 25)
    clock.advance(days=7)
    uow = SqlUnitOfWork(session_factory)
    assert await OpenDueCheckinsUseCase(uow, clock, batch=10)() == 25  # 10 + 10 + 5
    assert await OpenDueCheckinsUseCase(uow, clock, batch=10)() == 0
    keys = await outbox_keys(session_factory)
    assert len(keys) == 25 and all(key.startswith("checkin-ready:") for key in keys)
    async with session_factory() as session:
        dues = set(await session.scalars(select(CheckinPlanRow.next_due_at)))
    assert {as_utc(due) for due in dues} == {MONDAY_0800_BERLIN + timedelta(days=7)}


async def test_nudges_go_out_behind_a_backlog_of_old_missed_checkins(session_factory, clock):
    """Open check-ins already missed need no more work (they stay open for late answers;
    a client whose plan stopped keeps theirs open): the follow-up tick never reads them,
    however many there are."""
    world = await seed_clients(session_factory, clock, 4)
    stopped = world["clients"][3]
    async with session_factory() as session:
        await session.execute(
            update(CheckinPlanRow)
            .where(CheckinPlanRow.client_id == stopped.id)
            .values(active=False)
        )
        await session.commit()
    clock.advance(days=7)
    uow = SqlUnitOfWork(session_factory)
    assert await OpenDueCheckinsUseCase(uow, clock)() == 3
    start = clock.now() - timedelta(days=3000)
    async with session_factory() as session:
        template_id = await session.scalar(select(CheckinPlanRow.template_id))
        await session.execute(
            insert(CheckinRow),
            [
                {
                    "client_id": stopped.id,
                    "coach_id": world["coach"].id,
                    "user_id": stopped.user_id,
                    "template_id": template_id,
                    "form_key": "checkin",
                    "due_at": start + timedelta(days=n),
                    "status": "open",
                    "missed_at": start + timedelta(days=n + 2),
                }
                for n in range(1200)
            ],
        )
        await session.commit()
    clock.advance(hours=25)  # the nudges of this Monday's check-ins are due
    async with uow:  # exactly the rows that need work are read
        due = await uow.checkins.follow_up_batch(now=clock.now(), limit=10)
    assert sorted(item.checkin.client_id for item in due) == [c.id for c in world["clients"][:3]]
    follow_up = FollowUpCheckinsUseCase(uow, clock, batch=100)
    assert await follow_up() == 3
    keys = await outbox_keys(session_factory)
    assert len([key for key in keys if key.startswith("checkin-nudge:")]) == 3
    assert await follow_up() == 0  # nothing read twice
    assert len(await outbox_keys(session_factory)) == len(keys)


async def test_a_previous_checkin_closed_unanswered_is_missed_with_its_follow_ups(
    session_factory, clock
):
    world = await seed_clients(session_factory, clock, 1, alert_after=1)
    uow = SqlUnitOfWork(session_factory)
    clock.advance(days=7)
    await OpenDueCheckinsUseCase(uow, clock)()
    async with session_factory() as session:
        first = await session.scalar(select(CheckinRow.id))
    # The follow-up tick never ran (the bot was down): the next check-in opens.
    clock.advance(days=7)
    assert await OpenDueCheckinsUseCase(uow, clock)() == 1
    keys = await outbox_keys(session_factory)
    assert f"checkin-missed:{first}" in keys
    assert f"checkin-missed-alert:{first}" in keys  # the coach's K is 1
    assert keys.index(f"checkin-missed:{first}") < keys.index(f"checkin-ready:{first + 1}")
    async with session_factory() as session:
        closed = await session.get(CheckinRow, first)
        assert closed.status == "closed" and closed.missed_at is not None
        assert closed.next_action_at is None
    del world


async def test_a_checkin_missed_in_time_is_not_told_twice_when_it_closes(session_factory, clock):
    await seed_clients(session_factory, clock, 1)
    uow = SqlUnitOfWork(session_factory)
    clock.advance(days=7)
    await OpenDueCheckinsUseCase(uow, clock)()
    clock.advance(hours=49)
    assert await FollowUpCheckinsUseCase(uow, clock)() == 1  # missed (the nudge lapsed)
    clock.advance(days=5)
    await OpenDueCheckinsUseCase(uow, clock)()
    keys = await outbox_keys(session_factory)
    assert len([key for key in keys if key.startswith("checkin-missed:")]) == 1
    assert not [key for key in keys if key.startswith("checkin-missed-alert:")]


async def test_pausing_stops_the_plan_and_resuming_starts_it_from_now(session_factory, clock):
    world = await seed_clients(session_factory, clock, 2)
    uow = SqlUnitOfWork(session_factory)
    paused = world["clients"][0]
    change = UpdateClientUseCase(uow, clock)
    await change(
        UpdateClient(
            coach_id=world["coach"].id,
            actor_user_id=world["anna"].id,
            client_id=paused.id,
            status=ClientStatus.paused,
        )
    )
    async with session_factory() as session:
        assert (await session.get(CheckinPlanRow, paused.id)).next_due_at is None
    clock.advance(days=21)
    assert await OpenDueCheckinsUseCase(uow, clock)() == 1  # only the other client
    await change(
        UpdateClient(
            coach_id=world["coach"].id,
            actor_user_id=world["anna"].id,
            client_id=paused.id,
            status=ClientStatus.active,
        )
    )
    assert await OpenDueCheckinsUseCase(uow, clock)() == 0  # no backlog
    async with session_factory() as session:
        resumed = await session.get(CheckinPlanRow, paused.id)
    assert as_utc(resumed.next_due_at) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)


async def test_a_stale_plan_of_a_paused_client_is_read_once_and_stopped(session_factory, clock):
    """A plan left due by a pause before plans stopped with their client (or a client
    whose user was deleted) is stopped by the first tick that reads it."""
    world = await seed_clients(session_factory, clock, 1)
    [client] = world["clients"]
    async with session_factory() as session:
        await session.execute(
            update(ClientRow).where(ClientRow.id == client.id).values(status="paused")
        )
        await session.commit()
    clock.advance(days=7)
    uow = SqlUnitOfWork(session_factory)
    assert await OpenDueCheckinsUseCase(uow, clock)() == 0
    async with uow:
        assert await uow.checkins.due_plan_batch(now=clock.now(), limit=10) == []


async def test_a_batch_that_fails_leaves_nothing_and_the_next_tick_opens_it_once(
    session_factory, clock
):
    await seed_clients(session_factory, clock, 3)
    clock.advance(days=7)

    class CrashingUnitOfWork(SqlUnitOfWork):
        async def commit(self) -> None:
            raise RuntimeError("killed before commit")

    with pytest.raises(RuntimeError):
        await OpenDueCheckinsUseCase(CrashingUnitOfWork(session_factory), clock)()
    assert await outbox_keys(session_factory) == []
    uow = SqlUnitOfWork(session_factory)
    assert await OpenDueCheckinsUseCase(uow, clock)() == 3
    assert await OpenDueCheckinsUseCase(uow, clock)() == 0
    assert len(await outbox_keys(session_factory)) == 3


async def test_changed_rules_move_the_open_checkins_follow_ups(session_factory, clock):
    world = await seed_clients(session_factory, clock, 1)
    uow = SqlUnitOfWork(session_factory)
    clock.advance(days=7)
    await OpenDueCheckinsUseCase(uow, clock)()
    clock.advance(hours=7)
    await SetCheckinRulesUseCase(uow)(
        SetCheckinRules(coach_id=world["coach"].id, nudge_after_hours=6, grace_hours=30)
    )
    assert await FollowUpCheckinsUseCase(uow, clock)() == 1
    assert [k for k in await outbox_keys(session_factory) if "nudge" in k]
    async with session_factory() as session:
        checkin = await session.scalar(select(CheckinRow))
    assert as_utc(checkin.next_action_at) == MONDAY_0800_BERLIN + timedelta(hours=30)
