"""Rendering billing notices (offers, receipts, dunning, refunds, trials, plans that
ended) at send time, in the reader's language and time zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from coachbot.bot.billing.texts import day, money, per_interval, trial_label
from coachbot.bot.callbacks import BuyCb, ClientBillingCb, MyBillingCb
from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.markup import escape, fmt, long_text, plain, stack
from coachbot.bot.notice_kit import Keyboard, Viewpoint
from coachbot.domain.billing import notices
from coachbot.domain.outbox.model import Button, TextPayload


def _money(amount: int | None, currency: str, view: Viewpoint) -> str:
    return money(amount or 0, currency, view.language)


def _date(moment: datetime, view: Viewpoint) -> str:
    return day(moment, view.timezone, view.language)


def _links(notice: notices.PaymentNotice) -> list[Button]:
    links = []
    if notice.invoice_url:
        links.append(Button(text=_("🧾 Invoice"), url=notice.invoice_url))
    if notice.pdf_url:
        links.append(Button(text=_("📄 PDF"), url=notice.pdf_url))
    return links


def _fix_payment(notice: notices.PaymentNotice) -> list[Button]:
    if not notice.invoice_url:
        return []
    return [Button(text=_("💳 Fix payment"), url=notice.invoice_url)]


def _to_client(row: Sequence[Button] = ()) -> Keyboard:
    """A client's buttons: `row` (if any), then their plan."""
    my_plan = (Button(text=_("💳 My plan"), callback_data=MyBillingCb().pack()),)
    return (tuple(row), my_plan) if row else (my_plan,)


def _open_client(notice: notices.AboutClient) -> Keyboard:
    """The coach's button to the client's billing card (none for unknown payers)."""
    if not notice.client_id:
        return ()
    card = ClientBillingCb(client_id=notice.client_id)
    return ((Button(text=_("Open client"), callback_data=card.pack()),),)


def package_offer(notice: notices.PackageOffer, view: Viewpoint) -> TextPayload:
    amount = _money(notice.amount, notice.currency, view)
    lines: list[str] = [
        fmt(_("{coach} sent you a coaching package:"), coach=escape(notice.coach)),
        fmt(
            "<b>{package}</b> · {price}",
            package=notice.package,
            price=per_interval(amount, notice.interval),
        ),
    ]
    if notice.description:
        lines.append(long_text(notice.description))
    if notice.trial_days:
        lines.append(trial_label(notice.trial_days))
    pay = BuyCb(checkout_id=notice.checkout_id)
    label = plain(
        (_("💳 Start the trial") if notice.trial_days else _("💳 Pay {amount}")), amount=amount
    )
    return TextPayload(stack(lines), buttons=((Button(text=label, callback_data=pay.pack()),),))


def payment_receipt(notice: notices.PaymentReceipt, view: Viewpoint) -> TextPayload:
    text: str = fmt(
        _("✅ Payment received: {amount} for {package}. Thank you!"),
        amount=_money(notice.amount, notice.currency, view),
        package=escape(notice.package),
    )
    if notice.next is not None:
        text += "\n" + fmt(
            _("Your plan is active; the next payment is due on {date}."),
            date=_date(notice.next, view),
        )
    return TextPayload(text, buttons=_to_client(_links(notice)))


def payment_received(notice: notices.PaymentReceived, view: Viewpoint) -> TextPayload:
    text = fmt(
        _("💶 {name} paid {amount} for {package}."),
        name=escape(notice.name),
        amount=_money(notice.amount, notice.currency, view),
        package=escape(notice.package),
    )
    return TextPayload(text, buttons=_open_client(notice))


def payment_failed(notice: notices.PaymentFailed, view: Viewpoint) -> TextPayload:
    text: str = fmt(
        _(
            "⚠️ Your payment of {amount} for {package} did not go through. "
            "Please update your card or pay the invoice."
        ),
        amount=_money(notice.amount, notice.currency, view),
        package=escape(notice.package),
    )
    if notice.grace_days is not None:
        text += " " + fmt(
            ngettext(
                "Your coaching continues for {count} more day.",
                "Your coaching continues for {count} more days.",
                notice.grace_days,
            ),
            count=notice.grace_days,
        )
    row = _fix_payment(notice)
    if notice.checkout_id:
        again = BuyCb(checkout_id=notice.checkout_id)
        row.append(Button(text=_("💳 Try again"), callback_data=again.pack()))
    return TextPayload(text, buttons=_to_client(row))


def payment_failed_coach(notice: notices.PaymentFailedCoach, view: Viewpoint) -> TextPayload:
    text = fmt(
        _("⚠️ A payment of {amount} from {name} failed ({package})."),
        amount=_money(notice.amount, notice.currency, view),
        name=escape(notice.name),
        package=escape(notice.package),
    )
    return TextPayload(text, buttons=_open_client(notice))


def payment_reminder(notice: notices.PaymentReminder, view: Viewpoint) -> TextPayload:
    text = fmt(
        _(
            "A reminder: your payment of {amount} for {package} is still open. "
            "It only takes a minute to fix."
        ),
        amount=_money(notice.amount, notice.currency, view),
        package=escape(notice.package),
    )
    return TextPayload(text, buttons=_to_client(_fix_payment(notice)))


def access_paused(notice: notices.AccessPaused, view: Viewpoint) -> TextPayload:
    text = _(
        "Your coaching is paused because the payment is still open. "
        "It starts again as soon as it is paid."
    )
    return TextPayload(text, buttons=_to_client())


def access_paused_coach(notice: notices.AccessPausedCoach, view: Viewpoint) -> TextPayload:
    text = fmt(
        _(
            "⏸ {name}'s payment is still open after the grace period: their coaching is paused "
            "until they pay."
        ),
        name=escape(notice.name),
    )
    return TextPayload(text, buttons=_open_client(notice))


def refund_issued(notice: notices.RefundIssued, view: Viewpoint) -> str:
    return fmt(
        _(
            "↩️ {refunded} of your payment for {package} was refunded. It reaches your card "
            "within 5–10 days."
        ),
        refunded=_money(notice.refunded, notice.currency, view),
        package=escape(notice.package),
    )


def trial_started(notice: notices.TrialStarted, view: Viewpoint) -> TextPayload:
    text: str = fmt(
        _("🎉 Your free trial of {package} has started."), package=escape(notice.package)
    )
    if notice.ends is not None and notice.amount:
        text += "\n" + fmt(
            _("The first payment of {amount} is due on {date}."),
            amount=_money(notice.amount, notice.currency, view),
            date=_date(notice.ends, view),
        )
    return TextPayload(text, buttons=_to_client())


def trial_started_coach(notice: notices.TrialStartedCoach, view: Viewpoint) -> TextPayload:
    text = fmt(
        _("🎉 {name} started a free trial of {package}."),
        name=escape(notice.name),
        package=escape(notice.package),
    )
    return TextPayload(text, buttons=_open_client(notice))


def subscription_ended(notice: notices.SubscriptionEnded, view: Viewpoint) -> TextPayload:
    text = fmt(
        _("Your plan {package} has ended. Thank you for training with us!"),
        package=escape(notice.package),
    )
    return TextPayload(text, buttons=_to_client())


def subscription_ended_coach(
    notice: notices.SubscriptionEndedCoach, view: Viewpoint
) -> TextPayload:
    text = fmt(
        _("{name}'s plan {package} has ended."),
        name=escape(notice.name),
        package=escape(notice.package),
    )
    return TextPayload(text, buttons=_open_client(notice))


def subscription_cancelling_coach(
    notice: notices.SubscriptionCancellingCoach, view: Viewpoint
) -> TextPayload:
    values = {"name": escape(notice.name), "package": escape(notice.package)}
    if notice.ends is not None:
        text = fmt(
            _("🛑 {name} cancelled {package}: it ends on {date}, with no further payments."),
            date=_date(notice.ends, view),
            **values,
        )
    else:
        text = fmt(_("🛑 {name} cancelled {package}: no further payments."), **values)
    return TextPayload(text, buttons=_open_client(notice))


def subscription_renewed_coach(
    notice: notices.SubscriptionRenewedCoach, view: Viewpoint
) -> TextPayload:
    text = fmt(
        _("↩️ {name} renewed {package}: it continues."),
        name=escape(notice.name),
        package=escape(notice.package),
    )
    return TextPayload(text, buttons=_open_client(notice))


def link_subscriber_unmatched(notice: notices.LinkSubscriberUnmatched, view: Viewpoint) -> str:
    values = {"email": escape(notice.email), "package": escape(notice.package)}
    if notice.clients > 1:
        return fmt(
            _(
                "🔗 {email} subscribed to {package} through your payment link. Several of your "
                "clients have that e-mail, so I cannot tell whose plan it is. Sell it to the "
                "client from their card instead, or ask the subscriber to use another e-mail."
            ),
            **values,
        )
    return fmt(
        _(
            "🔗 {email} subscribed to {package} through your payment link, but none of your "
            "clients has that e-mail. Add them as a client with this e-mail: the plan is linked "
            "to them with Stripe's next update of it, at the latest its next payment."
        ),
        **values,
    )
