"""Billing use cases on the in-memory unit of work and payment provider: packages,
refunds (two steps, once), subscription changes, the coach's rules."""

from __future__ import annotations

import pytest

from coachbot.domain.billing.admin import (
    BillingRulesUseCase,
    ChangeSubscription,
    ChangeSubscriptionUseCase,
    DecideRefund,
    DecideRefundUseCase,
    PrepareRefund,
    PrepareRefundUseCase,
    SetBillingRules,
)
from coachbot.domain.billing.errors import (
    BillingNotConfigured,
    PackageNotFound,
    PackageNotSellable,
    RefundNotAllowed,
    SubscriptionNotFound,
)
from coachbot.domain.billing.model import (
    Interval,
    Payment,
    PaymentKind,
    PaymentStatus,
    RefundStatus,
    Subscription,
    SubscriptionChange,
    SubscriptionState,
    SubscriptionStatus,
)
from coachbot.domain.billing.packages import (
    ArchivePackageUseCase,
    CreatePackage,
    CreatePackageUseCase,
    EditPackage,
    EditPackageUseCase,
    ListPackagesUseCase,
    PackageRef,
    PaymentLinkUseCase,
)
from tests.fakes.payments import FakePayments

ANN_CHAT = "200"


@pytest.fixture
def payments() -> FakePayments:
    return FakePayments()


async def create(
    uow, clock, payments, world, name="Monthly", price="49.90", interval=Interval.month
):
    return await CreatePackageUseCase(uow, clock, payments)(
        CreatePackage(coach_id=world.coach, name=name, description="Coaching", price=price,
                      currency="EUR", interval=interval, trial_days=7)
    )  # fmt: skip


# -- packages --------------------------------------------------------------------------


async def test_a_new_package_is_stored_and_published(uow, clock, payments, world):
    package = await create(uow, clock, payments, world)
    stored = uow.db.packages.rows[package.id]
    assert (stored.name, stored.amount, stored.currency, stored.trial_days) == (
        "Monthly", 4990, "eur", 7
    )  # fmt: skip
    assert stored.stripe_product_id and stored.stripe_price_id
    (price,) = payments.called("create_price")
    assert (price["amount"], price["currency"], price["interval"]) == (4990, "eur", "month")
    with pytest.raises(BillingNotConfigured):
        await CreatePackageUseCase(uow, clock, None)(
            CreatePackage(coach_id=world.coach, name="x", description="", price="1",
                          currency="EUR", interval=None)
        )  # fmt: skip


async def test_a_new_price_replaces_the_old_one_and_its_link(uow, clock, payments, world):
    package = await create(uow, clock, payments, world)
    linked = await PaymentLinkUseCase(uow, payments)(
        PackageRef(coach_id=world.coach, package_id=package.id)
    )
    assert linked.payment_link_url and uow.db.packages.rows[package.id].payment_link_id
    old_price, old_link = linked.stripe_price_id, linked.payment_link_id
    edit = EditPackageUseCase(uow, clock, payments)
    renamed = await edit(EditPackage(coach_id=world.coach, package_id=package.id, name="Gold"))
    assert renamed.stripe_price_id == old_price  # a name is no new price
    edited = await edit(EditPackage(coach_id=world.coach, package_id=package.id, price="59"))
    stored = uow.db.packages.rows[package.id]
    assert (stored.name, stored.amount, stored.version) == ("Gold", 5900, 3)
    assert stored.stripe_price_id == edited.stripe_price_id != old_price
    assert stored.payment_link_id is None
    assert payments.archived_prices == {old_price} and payments.inactive_links == {old_link}


async def test_an_archived_package_is_no_longer_sold(uow, clock, payments, world):
    kept = await create(uow, clock, payments, world, name="Kept")
    gone = await create(uow, clock, payments, world, name="Gone")
    ref = PackageRef(coach_id=world.coach, package_id=gone.id)
    await ArchivePackageUseCase(uow, clock, payments)(ref)
    assert uow.db.packages.rows[gone.id].archived
    assert payments.archived_prices == {gone.stripe_price_id}
    assert [p.id for p in await ListPackagesUseCase(uow)(world.coach)] == [kept.id]
    with pytest.raises(PackageNotSellable):
        await PaymentLinkUseCase(uow, payments)(ref)
    with pytest.raises(PackageNotFound):  # not another coach's to see
        await PaymentLinkUseCase(uow, payments)(PackageRef(coach_id=999, package_id=kept.id))


# -- refunds ---------------------------------------------------------------------------


@pytest.fixture
async def paid(uow, clock, world) -> Payment:
    async with uow as u:
        payment = await u.billing.add_payment(
            Payment(coach_id=world.coach, client_id=world.ann, stripe_ref="in_1",
                    kind=PaymentKind.one_off, amount=10000, currency="eur",
                    status=PaymentStatus.paid, created_at=clock.now(), payment_intent_id="pi_1")
        )  # fmt: skip
        await u.commit()
    return payment


def refund_step(world, **values):
    return {"coach_id": world.coach, "actor_user_id": world.coach_user} | values


async def test_a_confirmed_refund_is_made_once_and_the_client_told(
    uow, clock, payments, world, paid
):
    prepare, decide = PrepareRefundUseCase(uow, clock), DecideRefundUseCase(uow, clock, payments)
    draft = await prepare(PrepareRefund(**refund_step(world, payment_id=paid.id, amount="30")))
    assert (draft.refund.amount, draft.refund.status) == (3000, RefundStatus.requested)
    assert payments.calls == []  # nothing happens before the coach confirms

    confirm = DecideRefund(**refund_step(world, refund_id=draft.refund.id, confirm=True))
    done = await decide(confirm)
    assert done.decided_now and done.refund.status == RefundStatus.succeeded
    assert uow.db.payments.rows[paid.id].refunded_amount == 3000
    assert uow.db.refunds.rows[draft.refund.id].stripe_refund_id
    assert [e.action for e in uow.saved_audit] == ["payment.refund"]
    assert [m.recipient for m in uow.saved_outbox] == [ANN_CHAT]
    assert (await decide(confirm)).decided_now is False
    assert len(payments.called("refund")) == 1

    with pytest.raises(RefundNotAllowed):  # 70.00 are left
        await prepare(PrepareRefund(**refund_step(world, payment_id=paid.id, amount="80")))
    rest = await prepare(PrepareRefund(**refund_step(world, payment_id=paid.id)))
    assert rest.refund.amount == 7000


async def test_a_cancelled_refund_refunds_nothing(uow, clock, payments, world, paid):
    draft = await PrepareRefundUseCase(uow, clock)(
        PrepareRefund(**refund_step(world, payment_id=paid.id))
    )
    result = await DecideRefundUseCase(uow, clock, payments)(
        DecideRefund(**refund_step(world, refund_id=draft.refund.id, confirm=False))
    )
    assert result.refund.status == RefundStatus.cancelled
    assert uow.db.refunds.rows[draft.refund.id].status == RefundStatus.cancelled
    assert uow.db.payments.rows[paid.id].refunded_amount == 0
    assert payments.calls == [] and uow.saved_outbox == []


# -- subscriptions ---------------------------------------------------------------------


@pytest.fixture
async def subscribed(uow, clock, payments, world) -> Subscription:
    async with uow as u:
        subscription = await u.billing.add_subscription(
            Subscription(coach_id=world.coach, client_id=world.ann, stripe_subscription_id="sub_1",
                         stripe_customer_id="cus_1", status=SubscriptionStatus.active,
                         created_at=clock.now(), updated_at=clock.now(), price_id="price_old",
                         item_id="si_1")
        )  # fmt: skip
        await u.commit()
    payments.subscriptions["sub_1"] = SubscriptionState(
        id="sub_1", status=SubscriptionStatus.active, customer_id="cus_1", price_id="price_old",
        item_id="si_1", current_period_end=None, cancel_at_period_end=False, paused=False,
    )  # fmt: skip
    return subscription


def change(world, subscription, what: SubscriptionChange, **values) -> ChangeSubscription:
    return ChangeSubscription(coach_id=world.coach, actor_user_id=world.coach_user,
                              subscription_id=subscription.id, change=what, **values)  # fmt: skip


async def test_pausing_and_resuming_follow_the_provider(uow, clock, payments, world, subscribed):
    use_case = ChangeSubscriptionUseCase(uow, clock, payments)
    paused = await use_case(change(world, subscribed, SubscriptionChange.pause))
    assert paused.paused and uow.db.subscriptions.rows[subscribed.id].paused
    await use_case(change(world, subscribed, SubscriptionChange.resume))
    stored = uow.db.subscriptions.rows[subscribed.id]
    assert (stored.paused, stored.version) == (False, 2)
    keys = [call["key"] for call in payments.called("change_subscription")]
    assert len(set(keys)) == 2  # each change is its own provider request
    assert [e.action for e in uow.saved_audit] == ["subscription.pause", "subscription.resume"]


async def test_a_plan_change_moves_to_the_new_price(uow, clock, payments, world, subscribed):
    plan = await create(uow, clock, payments, world, name="Premium", price="99")
    use_case = ChangeSubscriptionUseCase(uow, clock, payments)
    moved = await use_case(
        change(world, subscribed, SubscriptionChange.change_price, package_id=plan.id)
    )
    assert moved.price_id == plan.stripe_price_id
    assert uow.db.subscriptions.rows[subscribed.id].package_id == plan.id
    one_off = await create(uow, clock, payments, world, name="Once", interval=None)
    with pytest.raises(PackageNotSellable):
        await use_case(
            change(world, subscribed, SubscriptionChange.change_price, package_id=one_off.id)
        )


async def test_an_ended_subscription_cannot_be_changed(uow, clock, payments, world, subscribed):
    use_case = ChangeSubscriptionUseCase(uow, clock, payments)
    await use_case(change(world, subscribed, SubscriptionChange.cancel_now))
    assert uow.db.subscriptions.rows[subscribed.id].status == SubscriptionStatus.canceled
    with pytest.raises(SubscriptionNotFound):
        await use_case(change(world, subscribed, SubscriptionChange.resume))
    with pytest.raises(SubscriptionNotFound):  # nor another coach's
        other = ChangeSubscription(coach_id=999, actor_user_id=1, subscription_id=subscribed.id,
                                   change=SubscriptionChange.pause)  # fmt: skip
        await use_case(other)


async def test_billing_rules(uow, world):
    rules = BillingRulesUseCase(uow)
    assert (await rules(SetBillingRules(coach_id=world.coach))).require_subscription is False
    await rules(SetBillingRules(coach_id=world.coach, require_subscription=True, grace_days=5))
    stored = uow.db.billing_settings[world.coach]
    assert (stored.require_subscription, stored.grace_days) == (True, 5)
