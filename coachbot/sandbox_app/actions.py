"""Shortcuts the sandbox page offers besides chatting.

In the sandbox the clock is real: a weekly check-in scheduled for Monday would make
whoever tries it wait until Monday. "Check-in due now" brings the client's next check-in
forward and runs the tick that opens due check-ins, so its message arrives in a moment.
A monthly plan would make them wait a month for its next payment: "Next payment now"
has the local Stripe end the subscription's period at once and charge the card (or
decline it, to try the reminders and paying the invoice with another card).
"""

from __future__ import annotations

from coachbot.application import BotApplication
from coachbot.domain.billing.sales import ShowClientBillingUseCase
from coachbot.domain.checkins.flow import (
    BringCheckinForward,
    BringCheckinForwardUseCase,
    CheckinForwardOutcome,
)
from coachbot.domain.checkins.ticks import OpenDueCheckinsUseCase
from coachbot.sandbox.stripe_server import FakeStripeServer
from coachbot.sandbox.web_chat import SandboxAction
from coachbot.storage.uow import SqlUnitOfWork

OUTCOMES = {
    CheckinForwardOutcome.due_now: (
        "{name}'s next check-in is open now. The bot's message with it arrives in {name}'s "
        "chat in a moment; /checkin starts it right away. The schedule stays as it was."
    ),
    CheckinForwardOutcome.already_open: (
        "{name} already has an open check-in: answer it with /checkin."
    ),
    CheckinForwardOutcome.no_schedule: (
        "{name} has no check-in schedule yet. As the coach, open /clients → {name} → "
        "📅 Check-ins and choose when check-ins are due, then try again."
    ),
    CheckinForwardOutcome.not_a_client: (
        "Only an active client has check-ins: pick a client who finished onboarding "
        "(in the list on the left), or finish onboarding first."
    ),
}


QUIET_HOURS = (
    "{name}'s next check-in is open now, but {name} is in their quiet hours: the bot's "
    "message with it waits until {end} ({name}'s time). /checkin starts it right away. "
    "The schedule stays as it was."
)


PAYMENT_OUTCOMES = {
    "charged": (
        "Stripe charged {name}'s card for the next period of {package}, as if the current "
        "one had ended: the receipt arrives in {name}'s chat in a moment, and the coach is told."
    ),
    "declined": (
        "{name}'s card was declined for the next period of {package}, as if the current one "
        "had ended: {name} is told in a moment, with a button to pay the invoice with another "
        "card (use a test card that succeeds), and the coach is alerted."
    ),
    "ended": (
        "{name}'s {package} was cancelled at the end of its period, so it ends now, as it "
        "would when the period is over; {name} and the coach are told."
    ),
    "paused": (
        "The coach paused {name}'s payments: nothing is charged until they resume them "
        "(/clients → {name} → 💳 Billing)."
    ),
    "none": (
        "{name} has no running subscription. As the coach, send them a plan from /clients → "
        "{name} → 💳 Billing → 📦 Send a package, and pay it as {name} first."
    ),
    "not_a_client": (
        "Only a client with a subscription has payments: pick one in the list on the left "
        "(in the demo, Dana Weiss pays for a monthly plan)."
    ),
}


def sandbox_actions(application: BotApplication, stripe: FakeStripeServer) -> list[SandboxAction]:
    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(application.session_factory)

    async def next_payment(telegram_id: int, *, succeed: bool) -> str:
        async with uow() as unit:
            user = await unit.users.get_by_telegram_id(telegram_id)
        plans = []
        if user is not None and user.id is not None:
            plans = await ShowClientBillingUseCase(uow(), application.clock)(user.id)
        if not plans:
            return PAYMENT_OUTCOMES["not_a_client"]
        name = plans[0].client.display_name
        plan = next((p for p in plans if p.subscription and not p.subscription.ended), None)
        if plan is None or plan.subscription is None:
            return PAYMENT_OUTCOMES["none"].format(name=name)
        subscription = stripe.get(plan.subscription.stripe_subscription_id)
        package = plan.package.name if plan.package else "the plan"
        if subscription["pause_collection"]:
            outcome = "paused"
        else:
            outcome = (
                "ended"
                if subscription["cancel_at_period_end"]
                else ("charged" if succeed else "declined")
            )
            events = await stripe.renew_subscription(
                subscription["id"], succeed=succeed, deliver=False
            )
            stripe.deliver_in_background(events)
        return PAYMENT_OUTCOMES[outcome].format(name=plan.client.display_name, package=package)

    async def next_payment_succeeds(telegram_id: int) -> str:
        return await next_payment(telegram_id, succeed=True)

    async def next_payment_fails(telegram_id: int) -> str:
        return await next_payment(telegram_id, succeed=False)

    async def checkin_due_now(telegram_id: int) -> str:
        brought = await BringCheckinForwardUseCase(uow(), application.clock)(
            BringCheckinForward(telegram_id=telegram_id)
        )
        if brought.outcome is CheckinForwardOutcome.due_now:
            await OpenDueCheckinsUseCase(uow(), application.clock)()
        said = QUIET_HOURS if brought.quiet_until else OUTCOMES[brought.outcome]
        return said.format(name=brought.client_name, end=brought.quiet_until)

    return [
        SandboxAction(
            key="checkin-now",
            label="⏰ Check-in due now",
            hint="For a client with a check-in schedule: open their next check-in now.",
            run=checkin_due_now,
        ),
        SandboxAction(
            key="payment-now",
            label="💳 Next payment now",
            hint="For a client with a subscription: its period ends now and the card is charged.",
            run=next_payment_succeeds,
        ),
        SandboxAction(
            key="payment-fails",
            label="⚠️ Next payment fails",
            hint="The same, but the card is declined: try the reminders and paying the invoice.",
            run=next_payment_fails,
        ),
    ]
