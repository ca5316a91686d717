"""The demo's sales: Anna sells a monthly plan and a one-off kick-off session, and Dana has
paid for the monthly plan since five weeks ago (her first payment and one renewal), so
revenue, Dana's plan and her billing card show something from the start.

It happens as it would have: Anna's packages are made in the local Stripe, Dana is sent
the offer, opens its checkout and pays with Stripe's test card, and the events the local
Stripe recorded are handled by the use case behind the bot's webhook, on a clock that
walks through the past. The receipts of that past were sent back then, so not again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coachbot.application import BotApplication
from coachbot.container import billing_urls
from coachbot.domain.billing.events import HandleStripeEventUseCase
from coachbot.domain.billing.model import Interval
from coachbot.domain.billing.notices import PackageOffer
from coachbot.domain.billing.packages import CreatePackage, CreatePackageUseCase
from coachbot.domain.billing.sales import (
    OpenCheckout,
    OpenCheckoutUseCase,
    SendPackage,
    SendPackageUseCase,
)
from coachbot.domain.outbox.model import NoticePayload, OutgoingMessage
from coachbot.domain.people.identity import Identity
from coachbot.integrations.stripe_events import VerifiedEvent, billing_event
from coachbot.sandbox.stripe_pages import read_card
from coachbot.sandbox.stripe_server import FakeStripeServer
from coachbot.sandbox_app.demo import CLIENTS, HistoryUnitOfWork
from coachbot.sandbox_app.seed import HistoryClock, SeededPerson
from coachbot.storage.uow import SqlUnitOfWork

PAYING = CLIENTS[0].person  # Dana
SINCE = timedelta(weeks=5, days=2)
PACKAGES = (
    CreatePackage(
        coach_id=None,
        name="Monthly coaching",
        description="Weekly check-ins with feedback and a plan adjusted every month.",
        price="49",
        currency="eur",
        interval=Interval.month,
    ),
    CreatePackage(
        coach_id=None,
        name="Kick-off session",
        description="A one-hour call to set your goals and plan your first weeks.",
        price="75",
        currency="eur",
        interval=None,
    ),
)
TEST_CARD = {"cardnumber": "4242 4242 4242 4242", "expiry": "12/35", "cvc": "123"}


async def seed_sales(
    application: BotApplication,
    stripe: FakeStripeServer,
    coach: Identity,
    people: list[SeededPerson],
) -> None:
    sales = _Sales(application, stripe, coach)
    clock_before = stripe.clock
    stripe.clock = lambda: sales.clock.now().timestamp()  # Stripe dates things then too
    try:
        await sales.replay(next(p for p in people if p.person == PAYING))
    finally:
        stripe.clock = clock_before


class _Sales:
    def __init__(
        self, application: BotApplication, stripe: FakeStripeServer, coach: Identity
    ) -> None:
        assert application.payments is not None
        self.application = application
        self.payments = application.payments
        self.stripe = stripe
        self.coach = coach
        self.clock = HistoryClock(application.clock.now() - SINCE)

    def uow(self) -> SqlUnitOfWork:
        return HistoryUnitOfWork(self.application.session_factory)

    async def replay(self, payer: SeededPerson) -> None:
        create = CreatePackageUseCase(self.uow(), self.clock, self.payments)
        packages = []
        for package in PACKAGES:
            packages.append(await create(replace(package, coach_id=self.coach.coach_id)))
            self.clock.advance(minutes=5)
        assert payer.identity is not None
        user_id = payer.identity.user.id
        assert user_id is not None
        client_id = await self._client_of(user_id)
        self.clock.advance(hours=1)
        offer = _OfferUnitOfWork(self.application.session_factory)
        await SendPackageUseCase(offer, self.clock)(
            SendPackage(
                coach_id=self.coach.coach_id, client_id=client_id, package_id=packages[0].id or 0
            )
        )
        self.clock.advance(hours=2)  # Dana taps the offer's pay button, and pays
        url = await OpenCheckoutUseCase(
            self.uow(), self.clock, self.payments, billing_urls(self.application.settings)
        )(OpenCheckout(user_id=user_id, checkout_id=offer.checkout_id()))
        session_id = url.rsplit("/", 1)[-1]
        self.clock.advance(minutes=3)
        await self._handle(await self.stripe.complete_checkout(session_id, deliver=False))
        session = self.stripe.get(session_id)
        self.stripe.save_card(session["customer"], read_card(TEST_CARD, self.clock.now()))
        subscription = self.stripe.get(session["subscription"])
        renewal = subscription["items"]["data"][0]["current_period_end"]
        self.clock.set(datetime.fromtimestamp(renewal, UTC) + timedelta(minutes=2))
        await self._handle(await self.stripe.renew_subscription(subscription["id"], deliver=False))

    async def _client_of(self, user_id: int) -> int:
        async with SqlUnitOfWork(self.application.session_factory) as uow:
            clients = await uow.clients.list_for_coach(self.coach.coach_id or 0)
        return next(c.id for c in clients if c.user_id == user_id and c.id is not None)

    async def _handle(self, events: list[dict[str, Any]]) -> None:
        """What the bot's webhook does with each event Stripe sent."""
        handle = HandleStripeEventUseCase(self.uow(), self.clock, self.payments)
        for event in events:
            self.clock.advance(seconds=1)
            verified = VerifiedEvent(
                id=event["id"],
                type=event["type"],
                object_id=event["data"]["object"]["id"],
                account=None,
            )
            await handle(billing_event(verified))


class _KeptOffers:
    """The outbox of the past that keeps the offers it was given (to tap their button)."""

    def __init__(self, kept: list[OutgoingMessage]) -> None:
        self.kept = kept

    async def enqueue(self, message: OutgoingMessage) -> bool:
        self.kept.append(message)
        return True

    async def enqueue_many(self, messages: Sequence[OutgoingMessage]) -> int:
        self.kept.extend(messages)
        return len(messages)


class _OfferUnitOfWork(HistoryUnitOfWork):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(session_factory)
        self.offers: list[OutgoingMessage] = []

    def __call__(self) -> _OfferUnitOfWork:
        """Another unit keeping its offers in the same list (use cases open their own)."""
        unit = _OfferUnitOfWork(self._session_factory)
        unit.offers = self.offers
        return unit

    async def __aenter__(self) -> _OfferUnitOfWork:
        await super().__aenter__()
        self.outbox = _KeptOffers(self.offers)  # type: ignore[assignment]
        return self

    def checkout_id(self) -> int:
        """The checkout the offer's pay button opens."""
        offers = (m.payload for m in self.offers if isinstance(m.payload, NoticePayload))
        offer = next(p.notice for p in offers if isinstance(p.notice, PackageOffer))
        return offer.checkout_id
