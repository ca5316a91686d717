"""Tick jobs: code that runs every so often, finds due work in the database, enqueues it.

What is due is always derived from the database, never from the scheduler's memory, so a
restart loses nothing: the next tick finds the same work. Work is enqueued with an
idempotency key (a tick that runs twice enqueues nothing twice) and a send-by time (work
found after downtime is sent if still within its grace period, else marked missed).

Only one process runs the ticks at a time: each tick first takes or renews a lease in
the database. Every process has its own in-memory APScheduler job store; job stores are
never shared between processes.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import Leases

logger = logging.getLogger(__name__)

LEADER_LEASE = "scheduler-ticks"


@dataclass(frozen=True)
class TickJob:
    name: str
    interval_seconds: float
    run: Callable[[datetime], Awaitable[object]]


class TickScheduler:
    def __init__(
        self,
        jobs: Sequence[TickJob],
        leases: Leases,
        clock: Clock,
        *,
        holder: str | None = None,
    ) -> None:
        self._jobs = list(jobs)
        self._leases = leases
        self._clock = clock
        self.holder = holder or f"ticks-{uuid.uuid4().hex[:12]}"
        self._scheduler: AsyncIOScheduler | None = None
        # Long enough to survive one late tick, short enough for a quick take-over.
        self._lease_seconds = 3 * max((job.interval_seconds for job in self._jobs), default=60)

    def build(self) -> AsyncIOScheduler:
        scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            timezone=UTC,
            job_defaults={
                # A tick that is late runs once (coalesce) as long as it is less than one
                # interval late (APScheduler's default grace of 1 s would skip it); a
                # later one is superseded by the next tick, which finds the same work.
                "coalesce": True,
                "max_instances": 1,
            },
        )
        for job in self._jobs:
            scheduler.add_job(
                self.tick,
                IntervalTrigger(seconds=job.interval_seconds, timezone=UTC),
                args=[job],
                id=job.name,
                name=job.name,
                misfire_grace_time=max(1, int(job.interval_seconds)),
                next_run_time=datetime.now(UTC),
            )
        return scheduler

    def start(self) -> None:
        self._scheduler = self.build()
        self._scheduler.start()

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        await self._leases.release(LEADER_LEASE, holder=self.holder)

    async def tick(self, job: TickJob) -> bool:
        """Run `job` if this process leads; True if it ran."""
        now = self._clock.now()
        leads = await self._leases.acquire(
            LEADER_LEASE, holder=self.holder, now=now, ttl_seconds=self._lease_seconds
        )
        if not leads:
            return False
        try:
            await job.run(now)
        except Exception:
            logger.exception("Tick job %s failed", job.name)
        return True
