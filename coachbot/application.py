"""The running bot: the container's use cases behind a dispatcher, and a Bot API client.

`create_application` is called by `coachbot run`, the sandbox and the tests; nothing is
built at import time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from coachbot.bot.app import BotParts, create_dispatcher, detach_routers
from coachbot.bot.client import create_bot
from coachbot.bot.i18n import create_i18n
from coachbot.bot.middlewares.in_flight import UpdatesInFlight
from coachbot.config import Settings
from coachbot.container import Container, build_container
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.retry import Sleep, real_sleep
from coachbot.integrations.stripe_gateway import StripePayments
from coachbot.storage.faults import is_connection_error
from coachbot.storage.form_templates import shipped_templates

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 10.0  # how long closing waits for updates being handled


@dataclass
class BotApplication:
    container: Container
    bot: Bot
    dispatcher: Dispatcher
    i18n: I18n
    in_flight: UpdatesInFlight

    @property
    def settings(self) -> Settings:
        return self.container.settings

    @property
    def clock(self) -> Clock:
        return self.container.clock

    @property
    def engine(self) -> AsyncEngine:
        return self.container.engine

    @property
    def session_factory(self) -> async_sessionmaker:
        return self.container.session_factory

    @property
    def redis(self) -> Redis | None:
        return self.container.redis

    @property
    def payments(self) -> StripePayments | None:
        return self.container.payments

    async def close(self) -> None:
        if not await self.in_flight.drained(timeout=SHUTDOWN_GRACE_SECONDS):
            logger.warning("Closing while updates are still being handled")
        await self.dispatcher.storage.close()
        await self.dispatcher.fsm.events_isolation.close()
        await self.bot.session.close()
        await self.container.close()
        detach_routers(self.dispatcher)


def create_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    webhook_mode: bool | None = None,
    sleep: Sleep = real_sleep,
) -> BotApplication:
    """`sleep`: how updates wait between tries while the database is out of reach."""
    container = build_container(settings, clock=clock)
    i18n = create_i18n(settings.default_language)
    if webhook_mode is None:
        webhook_mode = settings.webhook_url is not None
    parts = BotParts(
        settings=settings,
        uc=container.use_cases,
        ledger=container.ledger,
        clock=container.clock,
        redis=container.redis,
        languages=container.languages,
        conversations=container.conversations,
        is_transient=is_connection_error,
        sleep=sleep,
    )
    dispatcher = create_dispatcher(parts, i18n=i18n, webhook_mode=webhook_mode)

    async def store_shipped_forms() -> None:
        if added := await container.use_cases.forms.sync_shipped_forms(shipped_templates()):
            logger.info("Stored %d new version(s) of the shipped forms", added)

    dispatcher.startup.register(store_shipped_forms)
    return BotApplication(
        container, create_bot(settings), dispatcher, i18n, dispatcher["in_flight"]
    )
