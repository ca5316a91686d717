"""A payment's status moves (never away from paid or void), and the payer and the coach
hear about it: receipts, failed payments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from coachbot.domain.billing import notices
from coachbot.domain.billing.common import tell_client, tell_coach
from coachbot.domain.billing.model import Payment, PaymentStatus, Subscription
from coachbot.domain.people.model import Client
from coachbot.domain.shared.ports import UnitOfWork


async def move_payment(
    uow: UnitOfWork,
    now: datetime,
    payment: Payment,
    target: PaymentStatus,
    *,
    subscription: Subscription | None = None,
    checkout_session: str | None = None,
) -> None:
    """Change a payment's status, never away from paid or void (terminal)."""
    previous = payment.status
    if previous in (PaymentStatus.paid, PaymentStatus.void) or previous is target:
        await uow.billing.save_payment(payment)
        return
    payment.status = target
    if target is PaymentStatus.paid:
        payment.paid_at = now
    if target is PaymentStatus.failed and payment.failed_at is None:
        payment.failed_at = now
    await uow.billing.save_payment(payment)
    if target is PaymentStatus.paid:
        await _paid(uow, now, payment, subscription)
    elif target is PaymentStatus.failed and previous is not PaymentStatus.failed:
        await _failed(uow, now, payment, subscription, checkout_session)


async def payment_fields(uow: UnitOfWork, payment: Payment) -> tuple[Client | None, dict[str, Any]]:
    """The payer and what every notice about `payment` says of it."""
    client = await uow.clients.get(payment.client_id) if payment.client_id else None
    fields = {
        "payment_id": payment.id,
        "amount": payment.amount,
        "currency": payment.currency,
        "package": payment.description,
        "client_id": payment.client_id,
        "name": client.display_name if client else (payment.customer_email or ""),
        "invoice_url": payment.hosted_invoice_url,
        "pdf_url": payment.invoice_pdf_url,
    }
    return client, fields


async def _paid(
    uow: UnitOfWork, now: datetime, payment: Payment, subscription: Subscription | None
) -> None:
    client, fields = await payment_fields(uow, payment)
    next_due = subscription.current_period_end if subscription is not None else None
    receipt = notices.PaymentReceipt(**fields, next=next_due)
    await tell_client(uow, client, receipt, key=f"receipt:{payment.id}", now=now)
    await tell_coach(
        uow,
        payment.coach_id,
        notices.PaymentReceived(**fields),
        key=f"paid-coach:{payment.id}",
        now=now,
    )


async def _failed(
    uow: UnitOfWork,
    now: datetime,
    payment: Payment,
    subscription: Subscription | None,
    checkout_session: str | None,
) -> None:
    client, fields = await payment_fields(uow, payment)
    settings = await uow.billing.settings(payment.coach_id)
    checkout = None
    if checkout_session is not None:
        checkout = await uow.billing.checkout_by_session(checkout_session)
    failed = notices.PaymentFailed(
        **fields,
        grace_days=settings.grace_days if settings.require_subscription else None,
        checkout_id=checkout.id if checkout else None,
    )
    await tell_client(uow, client, failed, key=f"failed:{payment.id}", now=now)
    await tell_coach(
        uow,
        payment.coach_id,
        notices.PaymentFailedCoach(**fields),
        key=f"failed-coach:{payment.id}",
        now=now,
    )
