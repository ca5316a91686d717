"""Composition of the delivery core: outbox dispatcher + tick scheduler.

`coachbot run` runs it beside the bot; `coachbot worker` runs only this, so several bot
processes can answer one webhook while workers deliver.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass
from datetime import timedelta

from aiogram import Bot
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import async_sessionmaker

from coachbot.bot.client import create_bot
from coachbot.bot.i18n import create_i18n, translator
from coachbot.bot.notices import notice_renderer
from coachbot.config import Settings
from coachbot.domain.billing.dunning import DunningUseCase
from coachbot.domain.checkins.flow import FollowUpCheckinsUseCase, OpenDueCheckinsUseCase
from coachbot.domain.checkins.ports import BlobStore
from coachbot.domain.goals.overdue import FlagOverdueGoalsUseCase
from coachbot.domain.progress.ports import ReportRenderer
from coachbot.domain.progress.report_files import (
    PurgeGeneratedFilesUseCase,
    SendMonthlyReportsUseCase,
)
from coachbot.domain.progress.views import ProgressReport
from coachbot.domain.shared.clock import Clock
from coachbot.reports.labels import Translate
from coachbot.scheduler.jobs import TickJob, TickScheduler
from coachbot.scheduler.limits import MemoryRateLimiter, RedisRateLimiter
from coachbot.scheduler.outbox import DispatcherSettings, OutboxDispatcher
from coachbot.scheduler.sender import RateLimitedSender, TelegramChannel, TelegramLimits
from coachbot.scheduler.timing import SystemTimer, Timer
from coachbot.storage import migrate
from coachbot.storage.db import create_engine, create_session_factory
from coachbot.storage.keys import create_blob_store
from coachbot.storage.repositories import SqlLeases, SqlOutboxQueue, SqlUpdateLedger
from coachbot.storage.uow import SqlUnitOfWork

logger = logging.getLogger(__name__)

UPDATE_LEDGER_RETENTION = timedelta(days=2)
OUTBOX_RETENTION = timedelta(days=90)


@dataclass
class Delivery:
    dispatcher: OutboxDispatcher
    ticks: TickScheduler

    async def run(self, stop: asyncio.Event) -> None:
        self.ticks.start()
        try:
            await self.dispatcher.run(stop)
        finally:
            await self.ticks.stop()


def create_delivery(
    settings: Settings,
    *,
    bot: Bot,
    session_factory: async_sessionmaker,
    redis: Redis | None,
    i18n: I18n,
    timer: Timer | None = None,
) -> Delivery:
    timer = timer or SystemTimer()
    queue = SqlOutboxQueue(session_factory)
    blobs = create_blob_store(settings)
    sender = RateLimitedSender(
        TelegramChannel(bot, notice_renderer(i18n), blobs),
        RedisRateLimiter(redis) if redis else MemoryRateLimiter(),
        timer,
        limits=TelegramLimits(per_second=settings.outbox_rate_per_second),
        max_in_flight=settings.outbox_max_in_flight,
    )
    dispatcher = OutboxDispatcher(
        queue,
        sender,
        timer,
        DispatcherSettings(
            # Claim no more than can be sent well within a lease.
            batch_size=max(
                1,
                min(
                    2 * settings.outbox_rate_per_second,
                    int(settings.outbox_rate_per_second * settings.outbox_lease_seconds / 4),
                ),
            ),
            lease_seconds=settings.outbox_lease_seconds,
            idle_poll_seconds=settings.outbox_poll_seconds,
        ),
    )
    jobs = housekeeping_jobs(session_factory) + checkin_jobs(
        session_factory, timer, settings.checkin_tick_seconds
    )
    jobs += billing_jobs(session_factory, timer, settings.billing_tick_seconds)
    jobs += progress_jobs(session_factory, timer, blobs, PdfReportsOnDemand(translator(i18n)))
    ticks = TickScheduler(jobs, SqlLeases(session_factory), timer)
    return Delivery(dispatcher, ticks)


async def run_worker(settings: Settings) -> None:
    """`coachbot worker`: only the delivery core, for processes beside webhook-serving
    bot processes. Builds no dispatcher, so a restarted worker is sending again sooner."""
    await migrate.upgrade(settings.effective_database_url)
    engine = create_engine(settings.effective_database_url)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    bot = create_bot(settings)
    delivery = create_delivery(
        settings,
        bot=bot,
        session_factory=create_session_factory(engine),
        redis=redis,
        i18n=create_i18n(settings.default_language),
    )
    stop = asyncio.Event()
    stop_on_signals(stop)
    try:
        await delivery.run(stop)
    finally:
        await bot.session.close()
        if redis is not None:
            await redis.aclose()
        await engine.dispose()


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)


class PdfReportsOnDemand:
    """`ReportRenderer` that loads the PDF renderer (reportlab, matplotlib: a second or
    two) when the first monthly report is due rather than when the worker starts."""

    def __init__(self, translate: Translate) -> None:
        self._translate = translate
        self._renderer: ReportRenderer | None = None

    def render(self, report: ProgressReport) -> bytes:
        if self._renderer is None:
            from coachbot.reports.pdf import ReportlabReportRenderer

            self._renderer = ReportlabReportRenderer(self._translate)
        return self._renderer.render(report)


def housekeeping_jobs(session_factory: async_sessionmaker) -> list[TickJob]:
    ledger = SqlUpdateLedger(session_factory)
    queue = SqlOutboxQueue(session_factory)

    async def forget_old_updates(now) -> None:
        pruned = await ledger.prune(older_than=now - UPDATE_LEDGER_RETENTION)
        logger.info("Forgot %d handled update ids", pruned)

    async def purge_delivered_messages(now) -> None:
        purged = await queue.purge_finished(older_than=now - OUTBOX_RETENTION)
        logger.info("Purged %d finished outbox messages", purged)

    return [
        TickJob("forget-old-updates", 3600, forget_old_updates),
        TickJob("purge-delivered-messages", 3600, purge_delivered_messages),
    ]


def checkin_jobs(
    session_factory: async_sessionmaker, clock: Clock, interval_seconds: float
) -> list[TickJob]:
    """Open due check-ins, then nudges, missed follow-ups and coach alerts."""

    async def open_due_checkins(_now) -> None:
        opened = await OpenDueCheckinsUseCase(SqlUnitOfWork(session_factory), clock)()
        if opened:
            logger.info("Opened %d check-in(s)", opened)

    async def follow_up_checkins(_now) -> None:
        sent = await FollowUpCheckinsUseCase(SqlUnitOfWork(session_factory), clock)()
        if sent:
            logger.info("Sent %d check-in follow-up(s)", sent)

    return [
        TickJob("open-due-checkins", interval_seconds, open_due_checkins),
        TickJob("follow-up-checkins", interval_seconds, follow_up_checkins),
    ]


def billing_jobs(
    session_factory: async_sessionmaker, clock: Clock, interval_seconds: float
) -> list[TickJob]:
    """Payment reminders three days after a failure, and the end of grace periods."""

    async def dun(_now) -> None:
        sent = await DunningUseCase(SqlUnitOfWork(session_factory), clock)()
        if sent:
            logger.info("Sent %d billing reminder(s)", sent)

    return [TickJob("billing-dunning", interval_seconds, dun)]


PROGRESS_TICK_SECONDS = 600


def progress_jobs(
    session_factory: async_sessionmaker,
    clock: Clock,
    blobs: BlobStore,
    reports: ReportRenderer,
    interval_seconds: float = PROGRESS_TICK_SECONDS,
) -> list[TickJob]:
    """Monthly reports due, goals past their date, generated files past delivery."""

    async def send_monthly_reports(_now) -> None:
        sent = await SendMonthlyReportsUseCase(
            SqlUnitOfWork(session_factory), clock, reports, blobs
        )()
        if sent:
            logger.info("Sent %d monthly progress report(s)", sent)

    async def flag_overdue_goals(_now) -> None:
        flagged = await FlagOverdueGoalsUseCase(SqlUnitOfWork(session_factory), clock)()
        if flagged:
            logger.info("Told coaches of %d overdue goal(s)", flagged)

    async def purge_generated_files(_now) -> None:
        purged = await PurgeGeneratedFilesUseCase(SqlUnitOfWork(session_factory), clock, blobs)()
        if purged:
            logger.info("Deleted %d delivered or expired generated file(s)", purged)

    return [
        TickJob("monthly-progress-reports", interval_seconds, send_monthly_reports),
        TickJob("overdue-goals", interval_seconds, flag_overdue_goals),
        TickJob("purge-generated-files", interval_seconds, purge_generated_files),
    ]
