"""The coach's side of billing: a client's plan and payments, subscription changes
(pause, resume, cancel, change plan), refunds with a confirmation step, revenue per client,
and the rules that tie coaching to payment."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from coachbot.domain.billing.common import gateway, tell_client
from coachbot.domain.billing.errors import (
    PackageNotSellable,
    PaymentNotFound,
    RefundNotAllowed,
    SubscriptionNotFound,
)
from coachbot.domain.billing.model import (
    ENDING_CHANGES,
    BillingSettings,
    Package,
    Payment,
    Refund,
    RefundStatus,
    Subscription,
    SubscriptionChange,
)
from coachbot.domain.billing.money import Money
from coachbot.domain.billing.notices import RefundIssued
from coachbot.domain.billing.packages import own_package
from coachbot.domain.billing.ports import Payments
from coachbot.domain.billing.reconcile import sync_subscription
from coachbot.domain.people.clients import client_of_coach
from coachbot.domain.people.model import Client
from coachbot.domain.shared.audit import AuditEntry
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import NotAllowedError
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class ClientBilling:
    client: Client
    subscriptions: list[Subscription]  # newest first
    packages: dict[int, Package]  # by id: the packages the subscriptions are for
    payments: list[Payment]
    revenue: dict[str, int]  # net, by currency
    has_access: bool
    settings: BillingSettings

    @property
    def current(self) -> Subscription | None:
        return next((s for s in self.subscriptions if not s.ended), None)


@dataclass(frozen=True, kw_only=True)
class ClientRef:
    coach_id: int | None
    client_id: int


def net_by_currency(payments: list[Payment]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for payment in payments:
        if payment.net:
            totals[payment.currency] += payment.net
    return dict(totals)


class ShowClientBillingUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ClientRef) -> ClientBilling:
        async with self._uow() as uow:
            client = await client_of_coach(uow, cmd.coach_id, cmd.client_id)
            settings = await uow.billing.settings(client.coach_id)
            subscriptions = list(await uow.billing.subscriptions_of_client(cmd.client_id))
            packages = {}
            for subscription in subscriptions:
                if subscription.package_id and subscription.package_id not in packages:
                    package = await uow.billing.get_package(subscription.package_id)
                    if package is not None:
                        packages[subscription.package_id] = package
            payments = list(
                await uow.billing.payments(
                    coach_id=client.coach_id, client_id=cmd.client_id, limit=1000
                )
            )
        return ClientBilling(
            client,
            subscriptions,
            packages,
            payments[:10],
            net_by_currency(payments),
            settings.grants_access(subscriptions, self._clock.now()),
            settings,
        )


@dataclass(frozen=True, kw_only=True)
class ChangeSubscription:
    coach_id: int | None
    actor_user_id: int
    subscription_id: int
    change: SubscriptionChange
    package_id: int | None = None  # the new plan, for change_price


class ChangeSubscriptionUseCase:
    """Pause or resume collection, cancel at period end (or undo that), cancel now, or
    move the client to another recurring package (prorated)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, payments: Payments | None) -> None:
        self._uow = uow
        self._clock = clock
        self._payments = payments

    async def __call__(self, cmd: ChangeSubscription) -> Subscription:
        payments = gateway(self._payments)
        now = self._clock.now()
        async with self._uow() as uow:
            subscription = await uow.billing.get_subscription(cmd.subscription_id)
            if subscription is None or subscription.coach_id != cmd.coach_id or subscription.ended:
                raise SubscriptionNotFound()
            price_id = None
            if cmd.change is SubscriptionChange.change_price:
                package = await own_package(uow, cmd.coach_id, cmd.package_id or 0)
                if not package.published or not package.recurring:
                    raise PackageNotSellable()
                price_id = package.stripe_price_id
            settings = await uow.billing.settings(subscription.coach_id)
            subscription.version += 1
            cancelling = subscription.cancel_at_period_end
            if cmd.change in ENDING_CHANGES:  # the provider's news of it is none to the coach
                subscription.cancel_at_period_end = ENDING_CHANGES[cmd.change]
            await uow.billing.save_subscription(subscription)
            await uow.audit.record(
                AuditEntry(
                    at=now,
                    action=f"subscription.{cmd.change.value}",
                    actor_user_id=cmd.actor_user_id,
                    subject_type="subscription",
                    subject_id=subscription.id,
                    details={"package_id": cmd.package_id} if cmd.package_id else {},
                )
            )
            await uow.commit()
        sub_id = subscription.stripe_subscription_id
        try:
            state = await payments.change_subscription(
                sub_id,
                cmd.change,
                item_id=subscription.item_id,
                price_id=price_id,
                key=f"subscription-{sub_id}-{cmd.change.value}-v{subscription.version}",
                account=settings.stripe_account,
            )
        except Exception:
            if cmd.change in ENDING_CHANGES:  # not changed after all
                async with self._uow() as uow:
                    subscription.cancel_at_period_end = cancelling
                    await uow.billing.save_subscription(subscription)
                    await uow.commit()
            raise
        async with self._uow() as uow:
            stored = await sync_subscription(uow, state, now)
            await uow.commit()
        assert stored is not None
        return stored


@dataclass(frozen=True, kw_only=True)
class PaymentRef:
    coach_id: int | None
    payment_id: int


async def _own_payment(uow: UnitOfWork, coach_id: int | None, payment_id: int) -> Payment:
    payment = await uow.billing.get_payment(payment_id)
    if payment is None or coach_id is None or payment.coach_id != coach_id:
        raise PaymentNotFound()
    return payment


@dataclass(frozen=True)
class PaymentView:
    payment: Payment
    client: Client | None


class ShowPaymentUseCase:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: PaymentRef) -> PaymentView:
        async with self._uow() as uow:
            payment = await _own_payment(uow, cmd.coach_id, cmd.payment_id)
            client = await uow.clients.get(payment.client_id) if payment.client_id else None
        return PaymentView(payment, client)


@dataclass(frozen=True, kw_only=True)
class PrepareRefund:
    coach_id: int | None
    actor_user_id: int
    payment_id: int
    amount: str | None = None  # as typed; None: everything not refunded yet
    locale: str = "en"  # how the amount is written: "1.234,50" in German


@dataclass(frozen=True)
class RefundDraft:
    refund: Refund
    payment: Payment
    client: Client | None
    decided_now: bool = True  # False: it was confirmed or cancelled before


class PrepareRefundUseCase:
    """Step one of a refund: what would be refunded, waiting for the coach's yes."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: PrepareRefund) -> RefundDraft:
        async with self._uow() as uow:
            payment = await _own_payment(uow, cmd.coach_id, cmd.payment_id)
            refundable = payment.refundable
            if refundable <= 0:
                raise RefundNotAllowed()
            amount = (
                Money.parse(cmd.amount, payment.currency, cmd.locale).amount
                if cmd.amount
                else refundable
            )
            if amount > refundable:
                raise RefundNotAllowed()
            refund = await uow.billing.add_refund(
                Refund(
                    payment_id=cmd.payment_id,
                    coach_id=payment.coach_id,
                    amount=amount,
                    currency=payment.currency,
                    requested_by=cmd.actor_user_id,
                    created_at=self._clock.now(),
                )
            )
            client = await uow.clients.get(payment.client_id) if payment.client_id else None
            await uow.commit()
        return RefundDraft(refund, payment, client)


@dataclass(frozen=True, kw_only=True)
class DecideRefund:
    coach_id: int | None
    actor_user_id: int
    refund_id: int
    confirm: bool


class DecideRefundUseCase:
    """Step two: the coach confirms (the provider refunds, once, however often the button
    is pressed) or cancels. The client is told."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, payments: Payments | None) -> None:
        self._uow = uow
        self._clock = clock
        self._payments = payments

    async def __call__(self, cmd: DecideRefund) -> RefundDraft:
        async with self._uow() as uow:
            refund = await uow.billing.get_refund(cmd.refund_id)
            if refund is None or cmd.coach_id is None or refund.coach_id != cmd.coach_id:
                raise PaymentNotFound()
            payment = await _own_payment(uow, cmd.coach_id, refund.payment_id)
            client = await uow.clients.get(payment.client_id) if payment.client_id else None
            settings = await uow.billing.settings(payment.coach_id)
            if refund.status is not RefundStatus.requested:
                return RefundDraft(refund, payment, client, decided_now=False)
            if not cmd.confirm:
                refund.status = RefundStatus.cancelled
                await uow.billing.save_refund(refund)
                await uow.commit()
                return RefundDraft(refund, payment, client)
            if refund.amount > payment.refundable:
                raise RefundNotAllowed()
        assert payment.payment_intent_id is not None
        result = await gateway(self._payments).refund(
            payment_intent_id=payment.payment_intent_id,
            amount=refund.amount,
            metadata={"refund_id": str(refund.id), "coach_id": str(refund.coach_id)},
            key=f"refund-{refund.id}",
            account=settings.stripe_account,
        )
        now = self._clock.now()
        async with self._uow() as uow:
            refund = await uow.billing.get_refund(cmd.refund_id, for_update=True)
            assert refund is not None
            if refund.status is not RefundStatus.requested:  # a racing press recorded it
                return RefundDraft(refund, payment, client, decided_now=False)
            refund.status = RefundStatus.succeeded
            refund.stripe_refund_id = result.id
            await uow.billing.save_refund(refund)
            payment = await _own_payment(uow, cmd.coach_id, refund.payment_id)
            ours = await uow.billing.refunded_by_us(payment.id or 0)
            payment.refunded_amount = max(payment.refunded_amount, ours)
            await uow.billing.save_payment(payment)
            await uow.audit.record(
                AuditEntry(
                    at=now,
                    action="payment.refund",
                    actor_user_id=cmd.actor_user_id,
                    subject_type="payment",
                    subject_id=payment.id,
                    details={"amount": refund.amount, "currency": refund.currency},
                )
            )
            await tell_client(
                uow,
                client,
                RefundIssued(
                    refunded=refund.amount,
                    amount=payment.amount,
                    currency=payment.currency,
                    package=payment.description,
                ),
                key=f"refund:{refund.id}",
                now=now,
            )
            await uow.commit()
        return RefundDraft(refund, payment, client)


@dataclass(frozen=True)
class ClientRevenue:
    client_id: int | None
    name: str
    revenue: dict[str, int]  # net, by currency
    payments: int


@dataclass(frozen=True)
class Revenue:
    total: dict[str, int]
    clients: list[ClientRevenue]  # highest first
    recent: list[Payment]


class RevenueUseCase:
    """What the coach earned, per client and in total (paid minus refunded)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, coach_id: int | None) -> Revenue:
        if coach_id is None:
            raise NotAllowedError()
        async with self._uow() as uow:
            payments = list(await uow.billing.payments(coach_id=coach_id, limit=10_000))
            names = {c.id: c.display_name for c in await uow.clients.list_for_coach(coach_id)}
        by_client: dict[int | None, list[Payment]] = defaultdict(list)
        for payment in payments:
            by_client[payment.client_id].append(payment)
        clients = [
            ClientRevenue(
                client_id,
                names.get(client_id, "") if client_id else "",
                net_by_currency(items),
                sum(1 for p in items if p.net),
            )
            for client_id, items in by_client.items()
        ]
        clients.sort(key=lambda c: (-sum(c.revenue.values()), c.name))
        return Revenue(net_by_currency(payments), clients, payments[:10])


@dataclass(frozen=True, kw_only=True)
class SetBillingRules:
    coach_id: int | None
    require_subscription: bool | None = None
    grace_days: int | None = None


class BillingRulesUseCase:
    """Show (no change given) or change whether coaching needs an active subscription."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: SetBillingRules) -> BillingSettings:
        if cmd.coach_id is None:
            raise NotAllowedError()
        async with self._uow() as uow:
            settings = await uow.billing.settings(cmd.coach_id)
            if cmd.require_subscription is None and cmd.grace_days is None:
                return settings
            if cmd.require_subscription is not None:
                settings.require_subscription = cmd.require_subscription
            if cmd.grace_days is not None:  # replaced, so that the new value is checked
                settings = replace(settings, grace_days=cmd.grace_days)
            await uow.billing.save_settings(settings)
            await uow.commit()
        return settings
