"""The composition root: build Bot + Dispatcher with storage, middlewares and routers.

Nothing is built at import time; `create_application` is called by the CLI and by tests.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisEventIsolation, RedisStorage
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from coachbot.bot.commands import set_default_commands
from coachbot.bot.handlers import feature_routers
from coachbot.bot.i18n import available_languages, create_i18n, translator
from coachbot.bot.middlewares.callback_answer import AnswerCallbacksMiddleware
from coachbot.bot.middlewares.chat_action import ChatActionFlagMiddleware
from coachbot.bot.middlewares.dedupe import DeduplicateUpdatesMiddleware
from coachbot.bot.middlewares.identity import IdentityMiddleware
from coachbot.bot.middlewares.locale import UserLocaleMiddleware
from coachbot.bot.middlewares.throttling import (
    FloodCounter,
    MemoryFloodCounter,
    RedisFloodCounter,
    ThrottlingMiddleware,
)
from coachbot.bot.middlewares.use_cases import UseCaseFactory, UseCaseMiddleware
from coachbot.config import Settings
from coachbot.domain.clock import Clock, SystemClock
from coachbot.domain.services.forms import SyncShippedFormsUseCase
from coachbot.domain.services.identity import LanguagePolicy
from coachbot.reports import progress_tools
from coachbot.reports.photos import PillowPhotoProcessor
from coachbot.storage.blobs import EncryptedBlobStore
from coachbot.storage.db import create_engine, create_session_factory
from coachbot.storage.form_templates import shipped_templates
from coachbot.storage.keys import load_encryption_keys
from coachbot.storage.repositories import SqlUpdateLedger
from coachbot.storage.uow import SqlUnitOfWork

logger = logging.getLogger(__name__)

FSM_KEY_PREFIX = "coachbot:fsm"


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

    async def close(self) -> None:
        await self.dispatcher.storage.close()
        await self.dispatcher.fsm.events_isolation.close()
        await self.bot.session.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()
        detach_routers(self.dispatcher)


def create_bot(settings: Settings) -> Bot:
    token = settings.token
    if token is None:
        raise ValueError("BOT_TOKEN is required to create the bot")
    session = AiohttpSession()
    if settings.telegram_api_url:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    defaults = DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True)
    return Bot(token, session=session, default=defaults)


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
    dispatcher = create_dispatcher(
        settings,
        session_factory=session_factory,
        clock=clock,
        redis=redis,
        i18n=i18n,
        webhook_mode=webhook_mode,
    )
    bot = create_bot(settings)
    return BotApplication(settings, bot, dispatcher, engine, session_factory, redis, i18n, clock)


def create_dispatcher(
    settings: Settings,
    *,
    session_factory: async_sessionmaker,
    clock: Clock,
    redis: Redis | None,
    i18n: I18n,
    webhook_mode: bool,
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
            progress=progress_tools(
                translator(i18n), redis=redis, export_part_mb=settings.export_part_mb
            ),
        ),
        i18n=i18n,
        languages=languages,
        webhook_mode=webhook_mode,
    )
    dispatcher.include_routers(*feature_routers())

    async def on_startup(bot: Bot) -> None:
        await set_default_commands(bot, i18n)
        sync = SyncShippedFormsUseCase(SqlUnitOfWork(session_factory), clock)
        if added := await sync(shipped_templates()):
            logger.info("Stored %d new version(s) of the shipped forms", added)

    dispatcher.startup.register(on_startup)
    return dispatcher


def create_blob_store(settings: Settings) -> EncryptedBlobStore:
    """Photos live encrypted under DATA_DIR/photos (shared storage when several hosts)."""
    return EncryptedBlobStore(settings.data_dir / "photos", load_encryption_keys(settings))


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


def detach_routers(dispatcher: Dispatcher) -> None:
    """Feature routers are module-level singletons and aiogram lets a router have one
    parent: release them so another Dispatcher (a restart in tests) can include them."""
    for router in dispatcher.sub_routers:
        router._parent_router = None
    dispatcher.sub_routers.clear()
