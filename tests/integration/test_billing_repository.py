"""The billing repository on SQLite and PostgreSQL: round trips, the queries the dunning
tick and the history use, and an event recorded once even when two processes race."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from coachbot.domain.billing.errors import DuplicateEventError
from coachbot.domain.billing.model import (
    BillingSettings,
    Interval,
    Package,
    Payment,
    PaymentKind,
    PaymentStatus,
    Refund,
    RefundStatus,
    Subscription,
    SubscriptionStatus,
)
from coachbot.domain.billing.sales import PackagesForSale, PackagesForSaleUseCase
from coachbot.domain.people.model import Client, ClientStatus, Coach, User
from coachbot.domain.shared.errors import ClientNotFound
from coachbot.storage.uow import SqlUnitOfWork


@pytest.fixture
def uow(session_factory) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory)


async def coach_and_client(uow: SqlUnitOfWork, now) -> tuple[int, int]:
    async with uow:
        coach_user = await uow.users.add(User(telegram_id=1, first_name="Anna", created_at=now))
        client_user = await uow.users.add(User(telegram_id=2, first_name="Cleo", created_at=now))
        coach = await uow.coaches.add(
            Coach(user_id=coach_user.id or 0, display_name="Anna", created_at=now)
        )
        client = await uow.clients.add(
            Client(
                coach_id=coach.id or 0,
                display_name="Cleo",
                status=ClientStatus.active,
                created_at=now,
                user_id=client_user.id,
            )
        )
        await uow.commit()
    return coach.id or 0, client.id or 0


def payment(coach_id, client_id, ref, now, **fields) -> Payment:
    values = {
        "coach_id": coach_id,
        "client_id": client_id,
        "stripe_ref": ref,
        "kind": PaymentKind.invoice,
        "amount": 4990,
        "currency": "eur",
        "status": PaymentStatus.paid,
        "created_at": now,
    }
    return Payment(**(values | fields))


async def test_billing_records_round_trip(uow, clock):
    now = clock.now()
    coach_id, client_id = await coach_and_client(uow, now)
    async with uow:
        assert await uow.billing.settings(coach_id) == BillingSettings(coach_id=coach_id)
        await uow.billing.save_settings(
            BillingSettings(coach_id=coach_id, require_subscription=True, grace_days=7)
        )
        package = await uow.billing.add_package(
            Package(
                coach_id=coach_id,
                name="Monthly",
                description="",
                amount=4990,
                currency="eur",
                interval=Interval.month,
                trial_days=7,
                created_at=now,
                updated_at=now,
                stripe_price_id="price_1",
            )
        )
        sub = await uow.billing.add_subscription(
            Subscription(
                coach_id=coach_id,
                client_id=client_id,
                stripe_subscription_id="sub_1",
                stripe_customer_id="cus_1",
                status=SubscriptionStatus.past_due,
                created_at=now,
                updated_at=now,
                package_id=package.id,
                past_due_since=now,
            )
        )
        await uow.billing.set_customer(client_id, "cus_1")
        await uow.commit()
    async with uow:
        assert (await uow.billing.settings(coach_id)).grace_days == 7
        assert await uow.billing.package_by_price("price_1") == package
        assert await uow.billing.subscription_by_stripe_id("sub_1") == sub
        assert await uow.billing.past_due_subscriptions(limit=10) == [sub]
        assert await uow.billing.customer_of(client_id) == "cus_1"
        assert await uow.billing.client_of_customer("cus_1") == client_id


async def test_history_failed_payments_and_refund_sums(uow, clock):
    now = clock.now()
    coach_id, client_id = await coach_and_client(uow, now)
    async with uow:
        paid = await uow.billing.add_payment(
            payment(coach_id, client_id, "in_1", now, payment_intent_id="pi_1")
        )
        failed = await uow.billing.add_payment(
            payment(
                coach_id,
                client_id,
                "in_2",
                now + timedelta(days=30),
                status=PaymentStatus.failed,
                failed_at=now + timedelta(days=30),
            )
        )
        for amount, status in ((1000, RefundStatus.succeeded), (500, RefundStatus.cancelled)):
            await uow.billing.add_refund(
                Refund(
                    payment_id=paid.id or 0,
                    coach_id=coach_id,
                    amount=amount,
                    currency="eur",
                    requested_by=1,
                    created_at=now,
                    status=status,
                )
            )
        await uow.commit()
    async with uow:
        history = await uow.billing.payments(coach_id=coach_id, client_id=client_id)
        assert [p.stripe_ref for p in history] == ["in_2", "in_1"]
        assert await uow.billing.payment_by_intent("pi_1") == paid
        assert await uow.billing.refunded_by_us(paid.id or 0) == 1000
        too_early = now + timedelta(days=29)
        assert await uow.billing.failed_payments(failed_before=too_early, limit=5) == []
        due = await uow.billing.failed_payments(failed_before=now + timedelta(days=30), limit=5)
        assert due == [failed]


async def test_packages_for_sale_are_published_plans_recurring_the_client_the_coachs(uow, clock):
    now = clock.now()
    coach_id, client_id = await coach_and_client(uow, now)
    async with uow:
        for name, interval, price_id, archived in (
            ("Monthly", Interval.month, "price_1", False),
            ("Kick-off", None, "price_2", False),
            ("Draft", Interval.month, None, False),  # not published yet
            ("Old", Interval.year, "price_3", True),
        ):
            await uow.billing.add_package(
                Package(
                    coach_id=coach_id,
                    name=name,
                    description="",
                    amount=4990,
                    currency="eur",
                    interval=interval,
                    trial_days=0,
                    created_at=now,
                    updated_at=now,
                    stripe_price_id=price_id,
                    archived=archived,
                )
            )
        await uow.commit()
    for_sale = PackagesForSaleUseCase(uow)
    to_client = await for_sale(PackagesForSale(coach_id=coach_id, client_id=client_id))
    assert [p.name for p in to_client] == ["Monthly", "Kick-off"]
    plans = await for_sale(PackagesForSale(coach_id=coach_id, plans_only=True))
    assert [p.name for p in plans] == ["Monthly"]
    with pytest.raises(ClientNotFound):  # another coach's client
        await for_sale(PackagesForSale(coach_id=coach_id + 1, client_id=client_id))


async def test_an_event_is_recorded_once_even_when_two_processes_race(session_factory, clock):
    first = SqlUnitOfWork(session_factory)
    async with first:
        assert await first.billing.record_event("evt_1", "invoice.paid", at=clock.now())
        await first.commit()
    async with first:
        assert not await first.billing.record_event("evt_1", "invoice.paid", at=clock.now())

    async def record(uow: SqlUnitOfWork) -> str:
        try:
            async with uow:
                # SQLite serialises the two (the second then sees the first's row);
                # PostgreSQL lets both insert and refuses the second at commit.
                if not await uow.billing.record_event("evt_2", "invoice.paid", at=clock.now()):
                    return "duplicate"
                await asyncio.sleep(0.05)
                await uow.commit()
        except DuplicateEventError:
            return "duplicate"
        return "recorded"

    outcomes = await asyncio.gather(
        record(SqlUnitOfWork(session_factory)), record(SqlUnitOfWork(session_factory))
    )
    assert sorted(outcomes) == ["duplicate", "recorded"]
