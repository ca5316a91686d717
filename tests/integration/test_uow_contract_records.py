"""The fake unit of work and the SQL one behave alike: check-ins, photos, measurements,
progress records and billing (see test_uow_contract.py)."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy.exc import IntegrityError

from coachbot.domain.billing.model import (
    BillingSettings,
    Checkout,
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
from coachbot.domain.checkins.model import (
    Checkin,
    CheckinPlan,
    CheckinStatus,
    CheckinTemplate,
    MetricEntry,
    Photo,
    ThreadKind,
    ThreadMessage,
    ThreadRole,
)
from coachbot.domain.checkins.schedule import CheckinSchedule, Frequency
from coachbot.domain.goals.model import Achievement
from coachbot.domain.progress.metrics import CustomMetric
from coachbot.domain.progress.reports import GeneratedFile, ReportPlan
from tests.fakes.table import FakeIntegrityError
from tests.fakes.world import T0, at, seed

CONSTRAINT_VIOLATION = (IntegrityError, FakeIntegrityError)


async def checkin_setup(uow, world):
    async with uow() as u:
        tpl = await u.checkins.add_template(CheckinTemplate(world.coach, "Weekly", "w1", T0))
        schedule = CheckinSchedule(
            frequency=Frequency.weekly, local_time=time(8, 0), starts_on=T0.date(), weekdays=(0,)
        )
        for client in (world.ann, world.ben):
            await u.checkins.save_plan(
                CheckinPlan(client, world.coach, tpl.id, schedule, T0, next_due_at=at(1))
            )
        await u.commit()
    return tpl


def checkin(world, tpl, due_hours: float, **values) -> Checkin:
    return Checkin(world.ann, world.coach, world.ann_user, tpl.id, "w1", at(due_hours), **values)


async def test_checkin_templates_and_plans(any_uow):
    world = await seed(any_uow)
    tpl = await checkin_setup(any_uow, world)
    async with any_uow() as u:
        tpl.name, tpl.archived, tpl.form_key = "Renamed", True, "not saved"
        await u.checkins.update_template(tpl)
        plan = await u.checkins.get_plan(world.ann)
        plan.next_due_at = at(5)
        await u.checkins.save_plan(plan)  # an update, not a second plan
        await u.commit()
    async with any_uow() as u:
        saved = await u.checkins.get_template(tpl.id)
        assert (saved.name, saved.archived, saved.form_key) == ("Renamed", True, "w1")
        assert [t.id for t in await u.checkins.list_templates(world.coach)] == [tpl.id]
        # Ben's plan is read too (he is only invited: the tick stops it), earliest first.
        due = await u.checkins.due_plan_batch(now=at(4), limit=10)
        assert [(d.plan.client_id, d.form_key) for d in due] == [(world.ben, "w1")]
        assert due[0].client.status.value == "invited" and due[0].coach.id == world.coach
        assert due[0].coach_user.id == world.coach_user
        due = await u.checkins.due_plan_batch(now=at(5), limit=10)
        assert [d.plan.client_id for d in due] == [world.ben, world.ann]
        assert due[1].user is not None and due[1].user.id == world.ann_user
        assert [d.plan.client_id for d in await u.checkins.due_plan_batch(now=at(5), limit=1)] == [
            world.ben
        ]
        # The next batch starts after the last one read (by due time, then client id).
        ben_key = (due[0].plan.next_due_at, world.ben)
        following = await u.checkins.due_plan_batch(now=at(5), limit=10, after=ben_key)
        assert [d.plan.client_id for d in following] == [world.ann]
        last_key = (due[1].plan.next_due_at, world.ann)
        assert await u.checkins.due_plan_batch(now=at(5), limit=10, after=last_key) == []
        await u.checkins.set_next_due({world.ben: None, world.ann: at(200)}, now=at(5))
        await u.commit()
    async with any_uow() as u:
        assert await u.checkins.due_plan_batch(now=at(199), limit=10) == []
        plan = await u.checkins.get_plan(world.ann)
        assert (plan.next_due_at, plan.updated_at) == (at(200), at(5))
        assert await u.checkins.get_plan(999) is None
    with pytest.raises(CONSTRAINT_VIOLATION):
        async with any_uow() as u:
            await u.checkins.add_template(CheckinTemplate(world.coach, "Again", "w1", T0))
            await u.commit()


async def test_checkin_queries(any_uow):
    world = await seed(any_uow)
    tpl = await checkin_setup(any_uow, world)
    submitted = CheckinStatus.submitted
    async with any_uow() as u:
        old = await u.checkins.add(checkin(world, tpl, 0, status=submitted, submitted_at=at(30)))
        mid = await u.checkins.add(checkin(world, tpl, 24, status=submitted, submitted_at=at(25)))
        new = await u.checkins.add(checkin(world, tpl, 48))
        newest = await u.checkins.add(checkin(world, tpl, 72))
        await u.commit()
    async with any_uow() as u:
        assert [c.id for c in await u.checkins.open_for_clients([world.ann, world.ben])] == [
            new.id,
            newest.id,
        ]
        recent = await u.checkins.recent_for_clients([world.ann], limit=2)
        assert [c.id for c in recent[world.ann]] == [newest.id, new.id]
        assert (await u.checkins.open_for_client(world.ann)).id == newest.id
        assert await u.checkins.open_for_client(world.ben) is None
        recent = await u.checkins.recent_for_client(world.ann, limit=3)
        assert [c.id for c in recent] == [newest.id, new.id, mid.id]
        assert (await u.checkins.previous_submitted(new)).id == mid.id
        assert await u.checkins.previous_submitted(old) is None
        queue = await u.checkins.review_queue(world.coach, limit=10)
        assert [c.id for c in queue] == [mid.id, old.id]  # oldest submission first
        assert await u.checkins.count_review_queue(world.coach) == 2
        new.status, new.submitted_at = submitted, at(50)
        await u.checkins.save(new)
        await u.commit()
    async with any_uow() as u:
        assert await u.checkins.count_review_queue(world.coach) == 3
        tie = await u.checkins.add(checkin(world, tpl, 96, status=submitted, submitted_at=at(25)))
        await u.commit()
    async with any_uow() as u:  # keyset: after a place, ties in submission time by id
        queue = [c.id for c in await u.checkins.review_queue(world.coach, limit=10)]
        assert queue == [mid.id, tie.id, old.id, new.id]
        after_mid = await u.checkins.review_queue(world.coach, limit=2, after=mid)
        assert [c.id for c in after_mid] == [tie.id, old.id]
        assert await u.checkins.review_queue(world.coach, limit=2, after=new) == []
    with pytest.raises(CONSTRAINT_VIOLATION):  # one check-in per client and due time
        async with any_uow() as u:
            await u.checkins.add(checkin(world, tpl, 48))
            await u.commit()
    async with any_uow() as u:  # in bulk, one already there is skipped
        added = await u.checkins.add_many(
            [checkin(world, tpl, 48), checkin(world, tpl, 144, next_action_at=at(148))]
        )
        assert [c.due_at for c in added] == [at(144)] and added[0].id is not None
        assert [c.id for c in await u.checkins.follow_up_batch(now=at(147), limit=5)] == []
        [due] = await u.checkins.follow_up_batch(now=at(148), limit=5)
        assert (due.checkin.id, due.user.id, due.coach_user.id) == (
            added[0].id,
            world.ann_user,
            world.coach_user,
        )
        due.checkin.nudged_at, due.checkin.next_action_at = at(148), at(168)
        await u.checkins.save_follow_ups([due.checkin])
        await u.commit()
    async with any_uow() as u:
        stored = await u.checkins.get(added[0].id)
        assert (stored.nudged_at, stored.next_action_at) == (at(148), at(168))
        await u.checkins.reschedule_follow_ups(world.coach)  # rules changed: look again
        await u.commit()
    async with any_uow() as u:
        assert (await u.checkins.get(added[0].id)).next_action_at == at(144)


async def test_threads_and_photos(any_uow):
    world = await seed(any_uow)
    tpl = await checkin_setup(any_uow, world)
    async with any_uow() as u:
        one = await u.checkins.add(checkin(world, tpl, 0))
        two = await u.checkins.add(checkin(world, tpl, 24))
        for target, text in [(two, "b1"), (one, "a1"), (two, "b2")]:
            await u.checkins.add_message(
                ThreadMessage(
                    target.id, world.ann_user, ThreadRole.client, ThreadKind.text, at(1), text=text
                )
            )
        photos = [
            await u.photos.add(Photo(world.ann_user, f"b{i}", f"t{i}", 10, 10, at(i)))
            for i in range(3)
        ]
        await u.photos.attach([photos[2].id, photos[0].id], checkin_id=two.id)
        await u.commit()
    async with any_uow() as u:
        assert [m.text for m in await u.checkins.list_messages(two.id)] == ["b1", "b2"]
        thread = await u.checkins.messages_for_checkins([two.id, one.id])
        assert [m.text for m in thread] == ["a1", "b1", "b2"]
        assert await u.checkins.messages_for_checkins([]) == []
        ids = [p.id for p in photos]
        assert [p.id for p in await u.photos.list([ids[2], 999, ids[0]])] == [ids[2], ids[0]]
        assert [p.id for p in await u.photos.list_for_checkins([two.id])] == [ids[0], ids[2]]
        assert (await u.photos.get(ids[1])).checkin_id is None
        assert await u.photos.list([]) == []


async def test_metric_entries(any_uow):
    world = await seed(any_uow)
    async with any_uow() as u:
        for hours, metric, value in [(3, "weight", 70.0), (1, "weight", 71.0), (2, "waist", 80.0)]:
            await u.metrics.add(MetricEntry(world.ann, metric, value, at(hours), T0))
        await u.metrics.add(MetricEntry(world.ben, "weight", 90.0, at(5), T0))
        await u.commit()
    async with any_uow() as u:
        weights = await u.metrics.list_for_client(world.ann, "weight")
        assert [e.value for e in weights] == [71.0, 70.0]
        assert [e.value for e in await u.metrics.recent(world.ann, limit=2)] == [70.0, 80.0]
        assert [e.value for e in await u.metrics.list_all(world.ann)] == [71.0, 80.0, 70.0]
        cohort = await u.metrics.list_for_clients([world.ann, world.ben], "weight", since=at(2))
        assert [e.value for e in cohort] == [70.0, 90.0]
        entry = await u.metrics.get(weights[0].id)
        entry.value = 72.0
        await u.metrics.update(entry)
        await u.metrics.delete(weights[1].id)
        await u.commit()
    async with any_uow() as u:
        assert [e.value for e in await u.metrics.list_for_client(world.ann, "weight")] == [72.0]


async def test_progress_records(any_uow):
    world = await seed(any_uow)
    async with any_uow() as u:
        metric = await u.custom_metrics.add(CustomMetric(world.coach, "Steps", "", 0, 1e5, T0))
        first = Achievement(world.ann, "first_entry", at(1), {"n": 1})
        assert await u.achievements.add(first)
        assert first.id is None  # stored, but the caller's object is not given the id
        assert not await u.achievements.add(Achievement(world.ann, "first_entry", at(2)))
        assert await u.achievements.add(Achievement(world.ann, "streak:4", at(0)))
        for client in (world.ann, world.ben):
            await u.reports.save_plan(ReportPlan(client, world.coach, True, T0, at(1)))
        old = await u.reports.add_file(
            GeneratedFile(world.ann, "report", "k1", "a.pdf", 1, T0, at(1))
        )
        await u.reports.add_file(GeneratedFile(world.ann, "report", "k2", "b.pdf", 1, T0, at(9)))
        await u.commit()
    async with any_uow() as u:
        metric.archived = True
        await u.custom_metrics.update(metric)
        assert [a.key for a in await u.achievements.list_for_client(world.ann)] == [
            "streak:4",
            "first_entry",
        ]
        assert [p.client_id for p in await u.reports.due_plans(now=at(2), limit=5)] == [world.ann]
        plan = await u.reports.get_plan(world.ann)
        plan.active = False
        await u.reports.save_plan(plan)
        assert [f.id for f in await u.reports.expired_files(now=at(2), limit=5)] == [old.id]
        await u.reports.delete_file(old.id)
        await u.commit()
    async with any_uow() as u:
        assert (await u.custom_metrics.get(metric.id)).archived
        assert [m.id for m in await u.custom_metrics.list_for_coach(world.coach)] == [metric.id]
        assert await u.reports.due_plans(now=at(2), limit=5) == []
        assert await u.reports.expired_files(now=at(20), limit=5) != []


def package(world, name: str, **values) -> Package:
    return Package(world.coach, name, "", 5000, "eur", Interval.month, 0, T0, T0, **values)


def payment(world, ref: str, hours: float, status=PaymentStatus.paid, **values) -> Payment:
    values.setdefault("client_id", world.ann)
    return Payment(
        coach_id=world.coach,
        stripe_ref=ref,
        kind=PaymentKind.invoice,
        amount=5000,
        currency="eur",
        status=status,
        created_at=at(hours),
        **values,
    )


async def test_billing_settings_packages_checkouts_customers(any_uow):
    world = await seed(any_uow)
    async with any_uow() as u:
        assert await u.billing.settings(world.coach) == BillingSettings(world.coach)
        await u.billing.save_settings(BillingSettings(world.coach, grace_days=7))
        await u.billing.save_settings(BillingSettings(world.coach, grace_days=5))
        plan = await u.billing.add_package(package(world, "Plan", stripe_price_id="price_1"))
        await u.billing.add_package(package(world, "Link", payment_link_id="plink_1"))
        checkout = await u.billing.add_checkout(Checkout(world.coach, world.ann, plan.id, T0))
        checkout.stripe_session_id = "cs_1"
        await u.billing.save_checkout(checkout)
        await u.billing.set_customer(world.ann, "cus_1")
        await u.commit()
    async with any_uow() as u:
        assert (await u.billing.settings(world.coach)).grace_days == 5
        assert (await u.billing.package_by_price("price_1")).id == plan.id
        assert (await u.billing.package_by_payment_link("plink_1")).name == "Link"
        assert await u.billing.package_by_price("nope") is None
        assert [p.name for p in await u.billing.list_packages(world.coach)] == ["Plan", "Link"]
        found = await u.billing.checkout_by_session("cs_1")
        assert found.id == checkout.id
        assert (await u.billing.get_checkout(checkout.id, for_update=True)).id == checkout.id
        assert await u.billing.customer_of(world.ann) == "cus_1"
        assert await u.billing.customer_of(world.ben) is None
        assert await u.billing.client_of_customer("cus_1") == world.ann
        assert await u.billing.client_of_customer("cus_x") is None
    with pytest.raises(CONSTRAINT_VIOLATION):
        async with any_uow() as u:
            await u.billing.set_customer(world.ann, "cus_2")
            await u.commit()


async def test_billing_subscriptions_payments_refunds_events(any_uow):
    world = await seed(any_uow)
    past_due = SubscriptionStatus.past_due
    async with any_uow() as u:
        for ref, hours, status in [
            ("s1", 1, past_due),
            ("s2", 2, SubscriptionStatus.active),
            ("s3", 3, past_due),
        ]:
            await u.billing.add_subscription(
                Subscription(
                    world.coach,
                    world.ann,
                    ref,
                    "cus_1",
                    status,
                    at(hours),
                    at(hours),
                    past_due_since=at(10 - hours) if status == past_due else None,
                )
            )
        paid = await u.billing.add_payment(payment(world, "in_1", 1, payment_intent_id="pi_1"))
        await u.billing.add_payment(
            payment(world, "in_2", 2, PaymentStatus.failed, failed_at=at(2))
        )
        await u.billing.add_payment(
            payment(
                world, "in_3", 3, PaymentStatus.failed, failed_at=at(3), dunning_reminded_at=at(4)
            )
        )
        await u.billing.add_payment(payment(world, "in_4", 4, client_id=None))
        refunds = [
            await u.billing.add_refund(
                Refund(paid.id, world.coach, amount, "eur", world.coach_user, T0, status)
            )
            for amount, status in [
                (1000, RefundStatus.succeeded),
                (500, RefundStatus.failed),
                (700, RefundStatus.succeeded),
            ]
        ]
        assert await u.billing.record_event("evt_1", "invoice.paid", at=T0)
        assert not await u.billing.record_event("evt_1", "invoice.paid", at=T0)
        await u.commit()
    async with any_uow() as u:
        subscriptions = await u.billing.subscriptions_of_client(world.ann)
        assert [s.stripe_subscription_id for s in subscriptions] == ["s3", "s2", "s1"]
        lapsing = await u.billing.past_due_subscriptions(limit=5)
        assert [s.stripe_subscription_id for s in lapsing] == ["s3", "s1"]
        assert (await u.billing.subscription_by_stripe_id("s2")).status == "active"
        newest = await u.billing.payments(coach_id=world.coach, limit=2)
        assert [p.stripe_ref for p in newest] == ["in_4", "in_3"]
        of_ann = await u.billing.payments(coach_id=world.coach, client_id=world.ann)
        assert [p.stripe_ref for p in of_ann] == ["in_3", "in_2", "in_1"]
        failed = await u.billing.failed_payments(failed_before=at(5), limit=5)
        assert [p.stripe_ref for p in failed] == ["in_2"]
        assert (await u.billing.payment_by_intent("pi_1")).id == paid.id
        assert (await u.billing.payment_by_ref("in_1")).id == paid.id
        assert await u.billing.refunded_by_us(paid.id) == 1700
        assert await u.billing.event_seen("evt_1") and not await u.billing.event_seen("evt_2")
        refund = await u.billing.get_refund(refunds[0].id, for_update=True)
        refund.status = RefundStatus.cancelled
        await u.billing.save_refund(refund)
        await u.commit()
    async with any_uow() as u:
        assert await u.billing.refunded_by_us(paid.id) == 700


async def test_json_columns_come_back_as_json(any_uow):
    world = await seed(any_uow)
    async with any_uow() as u:
        ann = await u.clients.get(world.ann)
        ann.tags = ("vip", "early")
        await u.clients.update(ann)
        await u.achievements.add(Achievement(world.ann, "first_entry", T0, {"n": (1, 2)}))
        await u.commit()
    async with any_uow() as u:
        assert (await u.clients.get(world.ann)).tags == ["vip", "early"]
        (achievement,) = await u.achievements.list_for_client(world.ann)
        assert achievement.details == {"n": [1, 2]}
