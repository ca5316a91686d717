"""Tick jobs: one leader among processes, take-over when it dies, APScheduler settings."""

from __future__ import annotations

from apscheduler.jobstores.memory import MemoryJobStore

from coachbot.scheduler.jobs import LEADER_LEASE, TickJob, TickScheduler
from coachbot.storage.repositories import SqlLeases


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
