"""The payment provider's events (webhooks), each processed once.

An event is only a hint that something changed: the objects it names are read again from
the provider, and our records are brought in line with what the provider has now
(`reconcile.py`). So the outcome does not depend on the order events arrive in, and a
duplicate changes nothing; the event id is stored in the same transaction as the changes
and the messages they cause, so an event is acted on exactly once even when two
deliveries race. The events come translated (`provider_events.py`).
"""

from __future__ import annotations

from enum import StrEnum

from coachbot.domain.billing.errors import DuplicateEventError
from coachbot.domain.billing.model import SubscriptionState
from coachbot.domain.billing.ports import Payments
from coachbot.domain.billing.provider_events import (
    BillingEvent,
    CheckoutEvent,
    CheckoutPaymentFailed,
    InvoiceEvent,
    OtherEvent,
    RefundIssued,
    SubscriptionChanged,
)
from coachbot.domain.billing.reconcile import Current, Reconcile
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UnitOfWorkFactory


class EventOutcome(StrEnum):
    processed = "processed"
    duplicate = "duplicate"
    ignored = "ignored"  # a type we do not act on


class HandleStripeEventUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, payments: Payments) -> None:
        self._uow = uow
        self._clock = clock
        self._payments = payments

    async def __call__(self, event: BillingEvent) -> EventOutcome:
        async with self._uow() as uow:
            if await uow.billing.event_seen(event.event_id):
                return EventOutcome.duplicate
        handled = not isinstance(event, OtherEvent)
        current = await self._read(event)
        now = self._clock.now()
        try:
            async with self._uow() as uow:
                if not await uow.billing.record_event(event.event_id, event.source, at=now):
                    return EventOutcome.duplicate
                if handled:
                    failed = isinstance(event, CheckoutPaymentFailed)
                    await Reconcile(uow, now, checkout_failed=failed).run(current)
                await uow.commit()
        except DuplicateEventError:
            return EventOutcome.duplicate
        return EventOutcome.processed if handled else EventOutcome.ignored

    async def _read(self, event: BillingEvent) -> Current:
        """The provider's current view of what `event` names."""
        payments, account = self._payments, event.account

        async def subscription(subscription_id: str | None) -> SubscriptionState | None:
            if not subscription_id:
                return None
            return await payments.subscription_state(subscription_id, account=account)

        match event:
            case CheckoutEvent():
                checkout = await payments.checkout_state(event.session_id, account=account)
                return Current(
                    checkout=checkout, subscription=await subscription(checkout.subscription_id)
                )
            case InvoiceEvent():
                invoice = await payments.invoice_state(event.invoice_id, account=account)
                return Current(
                    invoice=invoice, subscription=await subscription(invoice.subscription_id)
                )
            case SubscriptionChanged():
                return Current(subscription=await subscription(event.subscription_id))
            case RefundIssued():
                return Current(charge=await payments.charge_state(event.charge_id, account=account))
        return Current()
