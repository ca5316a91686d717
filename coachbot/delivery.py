"""Composition of the delivery core: outbox dispatcher + tick scheduler.

`coachbot run` runs it beside the bot; `coachbot worker` runs only this, so several bot
processes can answer one webhook while workers deliver.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.utils.i18n import I18n

from coachbot.bot.client import create_bot
from coachbot.bot.i18n import create_i18n
from coachbot.bot.notices import notice_renderer
from coachbot.config import Settings
from coachbot.container import Container, build_container
from coachbot.domain.use_cases import UseCases
from coachbot.scheduler.jobs import TickJob, TickScheduler
from coachbot.scheduler.limits import MemoryRateLimiter, RedisRateLimiter
from coachbot.scheduler.outbox import DispatcherSettings, OutboxDispatcher
from coachbot.scheduler.sender import RateLimitedSender, TelegramChannel, TelegramLimits
from coachbot.scheduler.timing import SystemTimer, Timer
from coachbot.storage import migrate

logger = logging.getLogger(__name__)

UPDATE_LEDGER_RETENTION = timedelta(days=2)
OUTBOX_RETENTION = timedelta(days=90)
CONVERSATION_RETENTION = timedelta(days=90)  # untouched conversation state (no Redis)
PROGRESS_TICK_SECONDS = 600


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
    container: Container, *, bot: Bot, i18n: I18n, timer: Timer | None = None
) -> Delivery:
    settings, redis = container.settings, container.redis
    timer = timer or SystemTimer()
    sender = RateLimitedSender(
        TelegramChannel(bot, notice_renderer(i18n), container.blobs),
        RedisRateLimiter(redis) if redis else MemoryRateLimiter(),
        timer,
        limits=TelegramLimits(per_second=settings.outbox_rate_per_second),
        max_in_flight=settings.outbox_max_in_flight,
    )
    dispatcher = OutboxDispatcher(
        container.outbox_queue,
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
        # Redis shares Telegram's limits between processes; without it, one sends.
        sole_sender_leases=None if redis else container.leases,
    )
    uc = container.use_cases
    jobs = housekeeping_jobs(container)
    jobs += checkin_jobs(uc, settings.checkin_tick_seconds)
    jobs += billing_jobs(uc, settings.billing_tick_seconds)
    jobs += progress_jobs(uc)
    return Delivery(dispatcher, TickScheduler(jobs, container.leases, timer))


async def run_worker(settings: Settings) -> None:
    """`coachbot worker`: only the delivery core, for processes beside webhook-serving
    bot processes. Builds no dispatcher, so a restarted worker is sending again sooner."""
    await migrate.upgrade(settings.effective_database_url)
    container = build_container(settings)
    bot = create_bot(settings)
    delivery = create_delivery(container, bot=bot, i18n=create_i18n(settings.default_language))
    stop = asyncio.Event()
    stop_on_signals(stop)
    try:
        await delivery.run(stop)
    finally:
        await bot.session.close()
        await container.close()


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)


def housekeeping_jobs(container: Container) -> list[TickJob]:
    ledger, queue, conversations = container.ledger, container.outbox_queue, container.conversations

    async def forget_old_updates(now: datetime) -> None:
        pruned = await ledger.prune(older_than=now - UPDATE_LEDGER_RETENTION)
        logger.info("Forgot %d handled update ids", pruned)

    async def purge_delivered_messages(now: datetime) -> None:
        purged = await queue.purge_finished(older_than=now - OUTBOX_RETENTION)
        logger.info("Purged %d finished outbox messages", purged)

    async def forget_abandoned_conversations(now: datetime) -> None:
        forgotten = await conversations.forget_untouched(older_than=now - CONVERSATION_RETENTION)
        logger.info("Forgot %d abandoned conversation states", forgotten)

    return [
        TickJob("forget-old-updates", 3600, forget_old_updates),
        TickJob("purge-delivered-messages", 3600, purge_delivered_messages),
        TickJob("forget-abandoned-conversations", 3600, forget_abandoned_conversations),
    ]


def checkin_jobs(uc: UseCases, interval_seconds: float) -> list[TickJob]:
    """Open due check-ins, then nudges, missed follow-ups and coach alerts."""

    async def open_due_checkins(_now: datetime) -> None:
        if opened := await uc.checkins.open_due_checkins():
            logger.info("Opened %d check-in(s)", opened)

    async def follow_up_checkins(_now: datetime) -> None:
        if sent := await uc.checkins.follow_up_checkins():
            logger.info("Sent %d check-in follow-up(s)", sent)

    return [
        TickJob("open-due-checkins", interval_seconds, open_due_checkins),
        TickJob("follow-up-checkins", interval_seconds, follow_up_checkins),
    ]


def billing_jobs(uc: UseCases, interval_seconds: float) -> list[TickJob]:
    """Payment reminders three days after a failure, and the end of grace periods."""

    async def dun(_now: datetime) -> None:
        if sent := await uc.billing.dunning():
            logger.info("Sent %d billing reminder(s)", sent)

    return [TickJob("billing-dunning", interval_seconds, dun)]


def progress_jobs(uc: UseCases, interval_seconds: float = PROGRESS_TICK_SECONDS) -> list[TickJob]:
    """Monthly reports due, goals past their date, generated files past delivery."""

    async def send_monthly_reports(_now: datetime) -> None:
        if sent := await uc.progress.send_monthly_reports():
            logger.info("Sent %d monthly progress report(s)", sent)

    async def flag_overdue_goals(_now: datetime) -> None:
        if flagged := await uc.goals.flag_overdue_goals():
            logger.info("Told coaches of %d overdue goal(s)", flagged)

    async def purge_generated_files(_now: datetime) -> None:
        if purged := await uc.progress.purge_generated_files():
            logger.info("Deleted %d delivered or expired generated file(s)", purged)

    return [
        TickJob("monthly-progress-reports", interval_seconds, send_monthly_reports),
        TickJob("overdue-goals", interval_seconds, flag_overdue_goals),
        TickJob("purge-generated-files", interval_seconds, purge_generated_files),
    ]
