"""The composition root: settings become adapters and use cases, once, at start-up.

The bot, `coachbot worker`, web/, the CLI commands and the sandbox all take a
`Container`; nothing else opens the database or builds an adapter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from coachbot.config import Settings
from coachbot.domain.assembly import Adapters, Policies, build_use_cases
from coachbot.domain.billing.sales import BillingUrls
from coachbot.domain.checkins.ports import BlobStore
from coachbot.domain.people.identity import LanguagePolicy
from coachbot.domain.shared.clock import Clock, SystemClock
from coachbot.domain.use_cases import UseCases
from coachbot.integrations.email_addresses import ValidatedEmailAddresses
from coachbot.integrations.stripe_gateway import StripePayments
from coachbot.integrations.timezones import OfflineTimeZones
from coachbot.languages import available_languages, catalog_translator
from coachbot.reports.labels import Translate
from coachbot.reports.tools import ProgressTools, photo_processor, progress_tools
from coachbot.storage.conversations import SqlConversationStorage
from coachbot.storage.db import create_engine, create_session_factory
from coachbot.storage.keys import create_blob_store
from coachbot.storage.repositories import SqlLeases, SqlOutboxQueue, SqlUpdateLedger
from coachbot.storage.uow import SqlUnitOfWork

logger = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    session_factory: async_sessionmaker
    uow: SqlUnitOfWork  # a factory too: `uow()` opens another unit
    redis: Redis | None
    payments: StripePayments | None
    blobs: BlobStore
    translate: Translate
    languages: LanguagePolicy
    ledger: SqlUpdateLedger
    outbox_queue: SqlOutboxQueue
    leases: SqlLeases
    use_cases: UseCases
    conversations: SqlConversationStorage  # the bot's FSM storage unless Redis is configured
    progress_tools: ProgressTools  # their render processes end with the container

    async def close(self) -> None:
        await self.progress_tools.close()
        if self.payments is not None:
            await self.payments.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()


def build_container(settings: Settings, *, clock: Clock | None = None) -> Container:
    clock = clock or SystemClock()
    engine = create_engine(settings.effective_database_url)
    session_factory = create_session_factory(engine)
    uow = SqlUnitOfWork(session_factory)
    redis = connect_redis(settings.redis_url) if settings.redis_url else None
    payments = create_payments(settings)
    blobs = create_blob_store(settings)
    translate = catalog_translator(settings.default_language)
    languages = LanguagePolicy(
        settings.default_language, available_languages(), settings.default_timezone
    )
    tools = progress_tools(
        translate,
        redis=redis,
        export_part_mb=settings.export_part_mb,
        render_processes=settings.render_processes,
        default_language=settings.default_language,
    )
    adapters = Adapters(
        photos=photo_processor(max_bytes=settings.photo_max_bytes),
        blobs=blobs,
        charts=tools.charts,
        chart_cache=tools.cache,
        comparer=tools.comparer,
        reports=tools.reports,
        exports=tools.exports,
        export_part_bytes=tools.export_part_bytes,
        billing_urls=billing_urls(settings),
        zones=OfflineTimeZones(),
        emails=ValidatedEmailAddresses(),
        payments=payments,
    )
    policies = Policies(
        admin_ids=settings.admin_ids,
        languages=languages,
        link_days=settings.invitation_ttl_days,
    )
    return Container(
        settings=settings,
        clock=clock,
        engine=engine,
        session_factory=session_factory,
        uow=uow,
        redis=redis,
        payments=payments,
        blobs=blobs,
        translate=translate,
        languages=languages,
        ledger=SqlUpdateLedger(session_factory),
        outbox_queue=SqlOutboxQueue(session_factory),
        leases=SqlLeases(session_factory),
        use_cases=build_use_cases(uow, clock, adapters, policies),
        conversations=SqlConversationStorage(engine, clock),
        progress_tools=tools,
    )


def connect_redis(url: str) -> Redis:
    """RESP2: with RESP3 (redis-py 8's default) a lock release after a restart has twice
    failed in CI with "Connection closed by server" on every retry (see redis/redis-py#4252
    for the pool bug behind it in 8.1); RESP2 has not, and the bot needs nothing of RESP3."""
    return Redis.from_url(url, protocol=2)


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
