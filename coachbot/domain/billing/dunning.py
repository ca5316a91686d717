"""Access to coaching tied to payment, and the dunning that follows a failed payment.

A coach may require an active subscription for coaching features (check-ins, programs).
A client whose renewal failed keeps access for the coach's grace period; access comes
back by itself once the payment goes through, as it is derived from the subscription.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from coachbot.domain.billing.common import tell_client, tell_coach
from coachbot.domain.billing.model import PaymentStatus, SubscriptionStatus
from coachbot.domain.billing.notices import AccessPaused, AccessPausedCoach, PaymentReminder
from coachbot.domain.people.model import Client
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

REMINDER_AFTER = timedelta(days=3)
BATCH = 200


async def client_has_access(uow: UnitOfWork, client: Client, now: datetime) -> bool:
    assert client.id is not None
    settings = await uow.billing.settings(client.coach_id)
    if not settings.require_subscription:  # no need to read the subscriptions
        return True
    return settings.grants_access(await uow.billing.subscriptions_of_client(client.id), now)


class DunningUseCase:
    """The tick: remind clients whose payment failed three days ago, and tell clients and
    coaches when the grace period ends without payment. Each message goes once."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self) -> int:
        now = self._clock.now()
        sent = 0
        async with self._uow() as uow:
            sent += await self._remind(uow, now)
            sent += await self._lapse(uow, now)
            await uow.commit()
        return sent

    async def _remind(self, uow: UnitOfWork, now: datetime) -> int:
        sent = 0
        for payment in await uow.billing.failed_payments(
            failed_before=now - REMINDER_AFTER, limit=BATCH
        ):
            payment.dunning_reminded_at = now
            await uow.billing.save_payment(payment)
            subscription = (
                await uow.billing.subscription_by_stripe_id(payment.stripe_subscription_id)
                if payment.stripe_subscription_id
                else None
            )
            still_owed = payment.status is PaymentStatus.failed and (
                subscription is None or subscription.status is SubscriptionStatus.past_due
            )
            if not still_owed:
                continue
            client = await uow.clients.get(payment.client_id) if payment.client_id else None
            reminder = PaymentReminder(
                amount=payment.amount,
                currency=payment.currency,
                package=payment.description,
                invoice_url=payment.hosted_invoice_url,
            )
            if await tell_client(uow, client, reminder, key=f"dunning:{payment.id}", now=now):
                sent += 1
        return sent

    async def _lapse(self, uow: UnitOfWork, now: datetime) -> int:
        sent = 0
        for subscription in await uow.billing.past_due_subscriptions(limit=BATCH):
            if subscription.lapsed_notified_at is not None:
                continue
            settings = await uow.billing.settings(subscription.coach_id)
            if settings.grants_access([subscription], now):
                continue
            subscription.lapsed_notified_at = now
            await uow.billing.save_subscription(subscription)
            client = await uow.clients.get(subscription.client_id)
            assert client is not None and subscription.past_due_since is not None
            key = f"{subscription.stripe_subscription_id}:{subscription.past_due_since.isoformat()}"
            name, client_id = client.display_name, client.id
            paused = AccessPaused(name=name, client_id=client_id)
            await tell_client(uow, client, paused, key=f"lapsed:{key}", now=now)
            await tell_coach(
                uow,
                subscription.coach_id,
                AccessPausedCoach(name=name, client_id=client_id),
                key=f"lapsed-coach:{key}",
                now=now,
            )
            sent += 1
        return sent
