"""Selling: the coach sends a package to a client, the client opens a checkout and pays;
the client sees their plan and payments, manages their card in the provider's portal, and
renews a plan they cancelled before it ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from coachbot.domain.billing.common import (
    client_user,
    gateway,
    ids_metadata,
    notify,
    package_params,
)
from coachbot.domain.billing.errors import (
    AlreadyPaidError,
    CheckoutNotFound,
    ClientNotJoined,
    NoBillingAccount,
    PackageNotSellable,
)
from coachbot.domain.billing.model import (
    Checkout,
    CheckoutRequest,
    CheckoutStatus,
    Package,
    Payment,
    Subscription,
    SubscriptionChange,
)
from coachbot.domain.billing.notices import PackageOffer
from coachbot.domain.billing.packages import own_package
from coachbot.domain.billing.ports import Payments
from coachbot.domain.billing.reconcile import sync_subscription
from coachbot.domain.people.clients import client_of_coach
from coachbot.domain.people.model import Client
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import ClientNotFound, NotAllowedError
from coachbot.domain.shared.ports import UnitOfWorkFactory

# A checkout session that expires sooner than this is replaced rather than reused.
REUSE_MARGIN = timedelta(minutes=10)


@dataclass(frozen=True)
class BillingUrls:
    """Where the provider's pages send people back to (served by web/)."""

    success: str
    cancel: str
    portal_return: str


@dataclass(frozen=True, kw_only=True)
class PackagesForSale:
    coach_id: int | None
    client_id: int | None = None  # to send one to this client, who must be the coach's
    plans_only: bool = False  # to move a subscription to: recurring packages only


class PackagesForSaleUseCase:
    """The coach's packages that can be sold now (published to the provider)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: PackagesForSale) -> list[Package]:
        async with self._uow() as uow:
            if cmd.client_id is not None:
                await client_of_coach(uow, cmd.coach_id, cmd.client_id)
            if cmd.coach_id is None:
                raise NotAllowedError()
            packages = await uow.billing.list_packages(cmd.coach_id)
        return [p for p in packages if p.published and (p.recurring or not cmd.plans_only)]


@dataclass(frozen=True, kw_only=True)
class SendPackage:
    coach_id: int | None
    client_id: int
    package_id: int


class SendPackageUseCase:
    """The client gets the package with a button to pay for it."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: SendPackage) -> tuple[Client, Package]:
        now = self._clock.now()
        async with self._uow() as uow:
            package = await own_package(uow, cmd.coach_id, cmd.package_id)
            client = await uow.clients.get(cmd.client_id)
            if client is None or client.coach_id != package.coach_id:
                raise ClientNotFound()
            user = await client_user(uow, client)
            if user is None:
                raise ClientNotJoined()
            if not package.published:
                raise PackageNotSellable()
            checkout = await uow.billing.add_checkout(
                Checkout(
                    coach_id=package.coach_id,
                    client_id=cmd.client_id,
                    package_id=cmd.package_id,
                    created_at=now,
                )
            )
            coach = await uow.coaches.get(package.coach_id)
            assert coach is not None
            await uow.outbox.enqueue(
                notify(
                    user,
                    PackageOffer(
                        checkout_id=checkout.id or 0,
                        coach=coach.display_name,
                        description=package.description,
                        trial_days=package.trial_days,
                        **package_params(package),
                    ),
                    key=f"offer:{checkout.id}",
                    now=now,
                )
            )
            await uow.commit()
        return client, package


@dataclass(frozen=True, kw_only=True)
class OpenCheckout:
    user_id: int
    checkout_id: int


class OpenCheckoutUseCase:
    """The client tapped "Pay": a checkout session for the offer (the open one if it is
    still good), with the client's billing customer created once and reused."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, payments: Payments | None, urls: BillingUrls
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._payments = payments
        self._urls = urls

    async def __call__(self, cmd: OpenCheckout) -> str:
        payments = gateway(self._payments)
        now = self._clock.now()
        async with self._uow() as uow:
            checkout = await uow.billing.get_checkout(cmd.checkout_id)
            client = await uow.clients.get(checkout.client_id) if checkout else None
            if checkout is None or client is None or client.user_id != cmd.user_id:
                raise CheckoutNotFound()
            if checkout.status is CheckoutStatus.complete:
                raise AlreadyPaidError()
            if _reusable(checkout, now):
                assert checkout.url is not None
                return checkout.url
            package = await uow.billing.get_package(checkout.package_id)
            assert package is not None
            if not package.published:
                raise PackageNotSellable()
            settings = await uow.billing.settings(checkout.coach_id)
            user = await client_user(uow, client)
            assert user is not None
            customer_id = await uow.billing.customer_of(client.id or 0)
            checkout.attempt += 1
            await uow.billing.save_checkout(checkout)
            await uow.commit()
        if customer_id is None:
            customer_id = await payments.create_customer(
                name=client.display_name,
                email=client.email,
                metadata=ids_metadata(coach_id=client.coach_id, client_id=client.id),
                key=f"customer-client-{client.id}",
                account=settings.stripe_account,
            )
        assert package.stripe_price_id is not None and checkout.id is not None
        session = await payments.create_checkout(
            CheckoutRequest(
                customer_id=customer_id,
                price_id=package.stripe_price_id,
                recurring=package.recurring,
                trial_days=package.trial_days,
                client_reference_id=f"client-{client.id}",
                metadata={
                    **ids_metadata(
                        coach_id=client.coach_id, client_id=client.id, package_id=package.id
                    ),
                    "checkout_id": str(checkout.id),
                },
                # The return pages greet the client in their language.
                success_url=f"{self._urls.success}?lang={user.language}",
                cancel_url=f"{self._urls.cancel}?lang={user.language}",
                locale=user.language,
                idempotency_key=f"checkout-{checkout.id}-{checkout.attempt}",
                account=settings.stripe_account,
            )
        )
        async with self._uow() as uow:
            if await uow.billing.customer_of(client.id or 0) is None:
                await uow.billing.set_customer(client.id or 0, customer_id)
            stored = await uow.billing.get_checkout(checkout.id, for_update=True)
            assert stored is not None
            if stored.status is not CheckoutStatus.complete:
                stored.status = CheckoutStatus.open
                stored.stripe_session_id = session.id
                stored.url = session.url
                stored.expires_at = session.expires_at
                await uow.billing.save_checkout(stored)
            await uow.commit()
        return session.url


def _reusable(checkout: Checkout, now: datetime) -> bool:
    return (
        checkout.status is CheckoutStatus.open
        and checkout.url is not None
        and checkout.expires_at is not None
        and checkout.expires_at - REUSE_MARGIN > now
    )


@dataclass(frozen=True)
class ClientPlan:
    client: Client
    coach_name: str
    subscription: Subscription | None  # the current one, if any
    package: Package | None
    payments: list[Payment]
    has_access: bool
    requires_subscription: bool


class ShowClientBillingUseCase:
    """A client's /billing: for each coach, the plan, its status and next payment date,
    and the payments and invoices so far."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, user_id: int) -> list[ClientPlan]:
        now = self._clock.now()
        plans = []
        async with self._uow() as uow:
            for client in await uow.clients.list_for_user(user_id):
                assert client.id is not None
                coach = await uow.coaches.get(client.coach_id)
                settings = await uow.billing.settings(client.coach_id)
                subscriptions = await uow.billing.subscriptions_of_client(client.id)
                current = next((s for s in subscriptions if not s.ended), None)
                current = current or (subscriptions[0] if subscriptions else None)
                package = None
                if current is not None and current.package_id is not None:
                    package = await uow.billing.get_package(current.package_id)
                payments = await uow.billing.payments(
                    coach_id=client.coach_id, client_id=client.id, limit=10
                )
                plans.append(
                    ClientPlan(
                        client,
                        coach.display_name if coach else "",
                        current,
                        package,
                        list(payments),
                        settings.grants_access(subscriptions, now),
                        settings.require_subscription,
                    )
                )
        return plans


@dataclass(frozen=True, kw_only=True)
class OpenPortal:
    user_id: int
    client_id: int


class OpenPortalUseCase:
    """A customer-portal session for the client: change card, see invoices, cancel."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, payments: Payments | None, urls: BillingUrls
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._payments = payments
        self._urls = urls

    async def __call__(self, cmd: OpenPortal) -> str:
        payments = gateway(self._payments)
        async with self._uow() as uow:
            client = await uow.clients.get(cmd.client_id)
            if client is None or client.user_id != cmd.user_id:
                raise ClientNotFound()
            customer_id = await uow.billing.customer_of(cmd.client_id)
            settings = await uow.billing.settings(client.coach_id)
            user = await client_user(uow, client)
        if customer_id is None:
            raise NoBillingAccount()
        assert user is not None
        # Portal sessions are short-lived: one per client and minute is the operation.
        minute = self._clock.now().strftime("%Y%m%d%H%M")
        return await payments.create_portal_session(
            customer_id=customer_id,
            return_url=f"{self._urls.portal_return}?lang={user.language}",
            locale=user.language,
            key=f"portal-{cmd.client_id}-{minute}",
            account=settings.stripe_account,
        )


@dataclass(frozen=True, kw_only=True)
class RenewSubscription:
    user_id: int
    client_id: int


class RenewSubscriptionUseCase:
    """The client takes back their cancellation before the period ends: the plan goes on
    as it was, and their coach is told (by the sync, which sees the change)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, payments: Payments | None) -> None:
        self._uow = uow
        self._clock = clock
        self._payments = payments

    async def __call__(self, cmd: RenewSubscription) -> None:
        payments = gateway(self._payments)
        async with self._uow() as uow:
            client = await uow.clients.get(cmd.client_id)
            if client is None or client.user_id != cmd.user_id:
                raise ClientNotFound()
            subscriptions = await uow.billing.subscriptions_of_client(cmd.client_id)
            current = next((s for s in subscriptions if not s.ended), None)
            settings = await uow.billing.settings(client.coach_id)
        if current is None or not current.cancel_at_period_end:
            return  # ended meanwhile (the coach sends a new package), or already renewed
        sub_id = current.stripe_subscription_id
        state = await payments.change_subscription(
            sub_id,
            SubscriptionChange.keep,
            item_id=current.item_id,
            price_id=None,
            key=f"subscription-{sub_id}-renew-{self._clock.now():%Y%m%d%H%M}",
            account=settings.stripe_account,
        )
        async with self._uow() as uow:
            await sync_subscription(uow, state, self._clock.now())
            await uow.commit()
