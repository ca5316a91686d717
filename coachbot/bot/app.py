"""The composition root: build Bot + Dispatcher with storage, middlewares and routers.

Nothing is built at import time; `create_application` is called by the CLI and by tests.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.dispatcher.middlewares.manager import MiddlewareManager
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisEventIsolation, RedisStorage
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from coachbot.bot.client import create_bot
from coachbot.bot.commands import set_default_commands
from coachbot.bot.i18n import create_i18n, translator
from coachbot.bot.inline_filters import run_sync_filters_inline
from coachbot.bot.middlewares.callback_answer import AnswerCallbacksMiddleware
from coachbot.bot.middlewares.chat_action import ChatActionFlagMiddleware
from coachbot.bot.middlewares.dedupe import DeduplicateUpdatesMiddleware
from coachbot.bot.middlewares.identity import IdentityMiddleware
from coachbot.bot.middlewares.in_flight import UpdatesInFlight
from coachbot.bot.middlewares.locale import UserLocaleMiddleware
from coachbot.bot.middlewares.throttling import (
    FloodCounter,
    MemoryFloodCounter,
    RedisFloodCounter,
    ThrottlingMiddleware,
)
from coachbot.bot.middlewares.use_cases import UseCaseFactory, UseCaseMiddleware
from coachbot.bot.routers import feature_routers
from coachbot.config import Settings
from coachbot.domain.billing.sales import BillingUrls
from coachbot.domain.forms.use_cases import SyncShippedFormsUseCase
from coachbot.domain.people.identity import LanguagePolicy
from coachbot.domain.shared.clock import Clock, SystemClock
from coachbot.integrations.stripe_gateway import StripePayments
from coachbot.languages import available_languages
from coachbot.reports.photos import PillowPhotoProcessor
from coachbot.reports.tools import progress_tools
from coachbot.storage.db import create_engine, create_session_factory
from coachbot.storage.form_templates import shipped_templates
from coachbot.storage.keys import create_blob_store
from coachbot.storage.repositories import SqlUpdateLedger
from coachbot.storage.uow import SqlUnitOfWork

logger = logging.getLogger(__name__)

FSM_KEY_PREFIX = "coachbot:fsm"
SHUTDOWN_GRACE_SECONDS = 10.0  # how long closing waits for updates being handled


@dataclass
class BotApplication:
    settings: Settings
    bot: Bot
    dispatcher: Dispatcher
    engine: AsyncEngine
    session_factory: async_sessionmaker
    redis: Redis | None
    i18n: I18n
    clock: Clock
    in_flight: UpdatesInFlight
    payments: StripePayments | None = None

    async def close(self) -> None:
        if not await self.in_flight.drained(timeout=SHUTDOWN_GRACE_SECONDS):
            logger.warning("Closing while updates are still being handled")
        if self.payments is not None:
            await self.payments.close()
        await self.dispatcher.storage.close()
        await self.dispatcher.fsm.events_isolation.close()
        await self.bot.session.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()
        detach_routers(self.dispatcher)


def create_application(
    settings: Settings, *, clock: Clock | None = None, webhook_mode: bool | None = None
) -> BotApplication:
    clock = clock or SystemClock()
    engine = create_engine(settings.effective_database_url)
    session_factory = create_session_factory(engine)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    i18n = create_i18n(settings.default_language)
    if webhook_mode is None:
        webhook_mode = settings.webhook_url is not None
    payments = create_payments(settings)
    dispatcher = create_dispatcher(
        settings,
        session_factory=session_factory,
        clock=clock,
        redis=redis,
        i18n=i18n,
        webhook_mode=webhook_mode,
        payments=payments,
    )
    bot = create_bot(settings)
    in_flight = dispatcher["in_flight"]
    return BotApplication(
        settings, bot, dispatcher, engine, session_factory, redis, i18n, clock, in_flight, payments
    )


def create_payments(settings: Settings) -> StripePayments | None:
    """The Stripe gateway, or None when billing is not configured."""
    if not settings.billing_configured:
        return None
    assert settings.stripe_api_key is not None
    return StripePayments(
        settings.stripe_api_key.get_secret_value(), api_base=settings.stripe_api_base
    )


def billing_urls(settings: Settings) -> BillingUrls:
    """The pages web/ serves for people coming back from Stripe's pages."""
    base = settings.effective_public_url
    return BillingUrls(
        success=f"{base}/billing/success",
        cancel=f"{base}/billing/cancel",
        portal_return=f"{base}/billing/done",
    )


def create_dispatcher(
    settings: Settings,
    *,
    session_factory: async_sessionmaker,
    clock: Clock,
    redis: Redis | None,
    i18n: I18n,
    webhook_mode: bool,
    payments: StripePayments | None = None,
) -> Dispatcher:
    storage, isolation = _fsm_storage(redis)
    dispatcher = Dispatcher(storage=storage, events_isolation=isolation)
    dispatcher["i18n"] = i18n
    dispatcher["settings"] = settings
    dispatcher["clock"] = clock
    languages = LanguagePolicy(
        settings.default_language, available_languages(), settings.default_timezone
    )
    ledger = SqlUpdateLedger(session_factory)
    _install_middlewares(
        dispatcher,
        settings=settings,
        ledger=ledger,
        clock=clock,
        flood_counter=RedisFloodCounter(redis) if redis else MemoryFloodCounter(),
        use_cases=UseCaseFactory(
            lambda: SqlUnitOfWork(session_factory),
            clock,
            admin_ids=settings.admin_ids,
            languages=languages,
            link_days=settings.invitation_ttl_days,
            photos=PillowPhotoProcessor(max_bytes=settings.photo_max_bytes),
            blobs=create_blob_store(settings),
            payments=payments,
            billing_urls=billing_urls(settings),
            progress=progress_tools(
                translator(i18n), redis=redis, export_part_mb=settings.export_part_mb
            ),
        ),
        i18n=i18n,
        languages=languages,
        webhook_mode=webhook_mode,
    )
    routers = feature_routers()
    run_sync_filters_inline(routers)
    dispatcher.include_routers(*routers)

    async def on_startup(bot: Bot) -> None:
        await set_default_commands(bot, i18n)
        sync = SyncShippedFormsUseCase(SqlUnitOfWork(session_factory), clock)
        if added := await sync(shipped_templates()):
            logger.info("Stored %d new version(s) of the shipped forms", added)

    dispatcher.startup.register(on_startup)
    return dispatcher


def _fsm_storage(redis: Redis | None) -> tuple[BaseStorage, BaseEventIsolation]:
    """Conversation state and per-user event isolation: shared through Redis when there
    is one (several processes), in memory otherwise."""
    if redis is None:
        return MemoryStorage(), SimpleEventIsolation()
    key_builder = DefaultKeyBuilder(prefix=FSM_KEY_PREFIX, with_destiny=True)
    return (
        RedisStorage(redis, key_builder=key_builder),
        RedisEventIsolation(redis, key_builder=key_builder),
    )


def _install_middlewares(
    dispatcher: Dispatcher,
    *,
    settings: Settings,
    ledger: SqlUpdateLedger,
    clock: Clock,
    flood_counter: FloodCounter,
    use_cases: UseCaseFactory,
    i18n: I18n,
    languages: LanguagePolicy,
    webhook_mode: bool,
) -> None:
    # Order matters: drop duplicates and floods before anything touches the database.
    update = dispatcher.update
    in_flight = UpdatesInFlight()
    dispatcher["in_flight"] = in_flight
    _wrap_everything(update.outer_middleware, in_flight)
    update.outer_middleware(
        DeduplicateUpdatesMiddleware(ledger, clock, redeliver_busy=webhook_mode)
    )
    update.outer_middleware(
        ThrottlingMiddleware(
            flood_counter,
            limit=settings.flood_limit,
            window=settings.flood_window_seconds,
            i18n=i18n,
            languages=languages,
        )
    )
    update.outer_middleware(UseCaseMiddleware(use_cases))
    update.outer_middleware(IdentityMiddleware())
    update.outer_middleware(UserLocaleMiddleware(i18n))
    dispatcher.callback_query.middleware(AnswerCallbacksMiddleware())
    dispatcher.message.middleware(ChatActionFlagMiddleware())
    dispatcher.callback_query.middleware(ChatActionFlagMiddleware())


def _wrap_everything(middlewares: MiddlewareManager, outermost: BaseMiddleware) -> None:
    """Put `outermost` around aiogram's own outer middlewares too (errors, FSM and its
    per-user lock), so that an update counts as handled only once its lock is released."""
    builtin = list(middlewares)
    for middleware in builtin:
        middlewares.unregister(middleware)
    middlewares.register(outermost)
    for middleware in builtin:
        middlewares.register(middleware)


def detach_routers(dispatcher: Dispatcher) -> None:
    """Feature routers are module-level singletons and aiogram lets a router have one
    parent: release them so another Dispatcher (a restart in tests) can include them."""
    for router in dispatcher.sub_routers:
        router._parent_router = None
    dispatcher.sub_routers.clear()
