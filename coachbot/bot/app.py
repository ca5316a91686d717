"""The dispatcher: conversation storage, middlewares and the feature routers.

Nothing is built at import time; `coachbot.application` builds it from the container.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.dispatcher.middlewares.manager import MiddlewareManager
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisEventIsolation, RedisStorage
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis

from coachbot.bot.commands import set_default_commands
from coachbot.bot.conversation_reads import RetriedStateReads
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
from coachbot.bot.routers import feature_routers
from coachbot.config import Settings
from coachbot.domain.people.identity import LanguagePolicy
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UpdateLedger
from coachbot.domain.shared.retry import (
    Backoff,
    IsTransient,
    Retrier,
    Sleep,
    never_transient,
    real_sleep,
)
from coachbot.domain.use_cases import UseCases

logger = logging.getLogger(__name__)

FSM_KEY_PREFIX = "coachbot:fsm"
SHUTDOWN_GRACE_SECONDS = 10.0  # how long closing waits for updates being handled


@dataclass(frozen=True)
class BotParts:
    """What the dispatcher is built from (the composition root has them)."""

    settings: Settings
    uc: UseCases
    ledger: UpdateLedger
    clock: Clock
    redis: Redis | None
    languages: LanguagePolicy
    conversations: BaseStorage  # durable conversation state, used when there is no Redis
    # Which errors mean the database is out of reach for now (an update is retried), and
    # how to wait between tries (tests move a fake clock instead).
    is_transient: IsTransient = never_transient
    sleep: Sleep = real_sleep


def create_dispatcher(parts: BotParts, *, i18n: I18n, webhook_mode: bool) -> Dispatcher:
    # An update that fails because the database is out of reach is tried again for a while.
    retry = Retrier(
        parts.is_transient,
        Backoff(within=parts.settings.update_retry_seconds),
        parts.clock,
        parts.sleep,
    )
    storage, isolation = _fsm_storage(parts.redis, parts.conversations)
    if storage is parts.conversations:
        storage = RetriedStateReads(storage, retry, redeliver=webhook_mode)
    dispatcher = Dispatcher(storage=storage, events_isolation=isolation)
    dispatcher["i18n"] = i18n
    dispatcher["settings"] = parts.settings
    dispatcher["clock"] = parts.clock
    # The one key handlers take their use cases from: `uc: UseCases`.
    dispatcher["uc"] = parts.uc
    _install_middlewares(dispatcher, parts, retry, i18n=i18n, webhook_mode=webhook_mode)
    routers = feature_routers()
    run_sync_filters_inline(routers)
    dispatcher.include_routers(*routers)

    async def on_startup(bot: Bot) -> None:
        await set_default_commands(bot, i18n)

    dispatcher.startup.register(on_startup)
    return dispatcher


def _fsm_storage(
    redis: Redis | None, conversations: BaseStorage
) -> tuple[BaseStorage, BaseEventIsolation]:
    """Conversation state and per-user event isolation: shared through Redis when there
    is one (several processes); otherwise the state is kept in the database (it survives
    a restart) and the one process isolates each person's updates itself."""
    if redis is None:
        return conversations, SimpleEventIsolation()
    key_builder = DefaultKeyBuilder(prefix=FSM_KEY_PREFIX, with_destiny=True)
    return (
        RedisStorage(redis, key_builder=key_builder),
        RedisEventIsolation(redis, key_builder=key_builder),
    )


def _install_middlewares(
    dispatcher: Dispatcher, parts: BotParts, retry: Retrier, *, i18n: I18n, webhook_mode: bool
) -> None:
    settings, clock, redis = parts.settings, parts.clock, parts.redis
    flood_counter: FloodCounter = RedisFloodCounter(redis) if redis else MemoryFloodCounter()
    # Order matters: drop duplicates and floods before anything touches the database.
    update = dispatcher.update
    in_flight = UpdatesInFlight()
    dispatcher["in_flight"] = in_flight
    _wrap_everything(update.outer_middleware, in_flight)
    update.outer_middleware(
        DeduplicateUpdatesMiddleware(parts.ledger, clock, redeliver=webhook_mode, retry=retry)
    )
    update.outer_middleware(
        ThrottlingMiddleware(
            flood_counter,
            limit=settings.flood_limit,
            window=settings.flood_window_seconds,
            i18n=i18n,
            languages=parts.languages,
        )
    )
    update.outer_middleware(IdentityMiddleware(parts.uc.people.identify_user))
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
