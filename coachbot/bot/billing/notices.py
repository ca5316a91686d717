"""Rendering billing notices (receipts, offers, dunning, refunds) at send time, in the
recipient's language. Registered into `notices.TEMPLATES`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from coachbot.bot.billing.texts import day, money, per_interval, trial_label
from coachbot.bot.callbacks import (
    BuyCb,
    ClientBillingCb,
    MyBillingCb,
)
from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.texts import escape
from coachbot.domain.outbox.model import Button, TextPayload


def _amount(params: dict[str, Any], field: str = "amount") -> str:
    return money(int(params[field]), params["currency"], params["locale"])


def _date(params: dict[str, Any], field: str) -> str:
    moment = datetime.fromisoformat(params[field])
    return day(moment, params.get("timezone", "UTC"), params["locale"])


def _price(params: dict[str, Any]) -> str:
    return per_interval(_amount(params), params.get("interval"))


def _links(params: dict[str, Any]) -> list[Button]:
    buttons = []
    if params.get("invoice_url"):
        buttons.append(Button(text=_("🧾 Invoice"), url=params["invoice_url"]))
    if params.get("pdf_url"):
        buttons.append(Button(text=_("📄 PDF"), url=params["pdf_url"]))
    return buttons


def _fix_payment(params: dict[str, Any]) -> list[Button]:
    if not params.get("invoice_url"):
        return []
    return [Button(text=_("💳 Fix payment"), url=params["invoice_url"])]


def _to_client(row: Sequence[Button] = ()) -> tuple[tuple[Button, ...], ...]:
    """A client's buttons: `row` (if any), then their plan."""
    my_plan = (Button(text=_("💳 My plan"), callback_data=MyBillingCb().pack()),)
    return (tuple(row), my_plan) if row else (my_plan,)


def _open_client(params: dict[str, Any]) -> tuple[tuple[Button, ...], ...]:
    """The coach's button to the client's billing card (none for unknown payers)."""
    if not params.get("client_id"):
        return ()
    card = ClientBillingCb(client_id=params["client_id"])
    return ((Button(text=_("Open client"), callback_data=card.pack()),),)


def _package_offer(params: dict[str, Any]) -> TextPayload:
    lines = [
        _("{coach} sent you a coaching package:").format(coach=escape(params["coach"])),
        f"<b>{escape(params['package'])}</b> · {_price(params)}",
    ]
    if params.get("description"):
        lines.append(escape(params["description"]))
    if params.get("trial_days"):
        lines.append(trial_label(int(params["trial_days"])))
    pay = BuyCb(checkout_id=params["checkout_id"])
    label = (_("💳 Start the trial") if params.get("trial_days") else _("💳 Pay {amount}")).format(
        amount=_amount(params)
    )
    return TextPayload("\n".join(lines), buttons=((Button(text=label, callback_data=pay.pack()),),))


def _payment_receipt(params: dict[str, Any]) -> TextPayload:
    text = _("✅ Payment received: {amount} for {package}. Thank you!").format(
        amount=_amount(params), package=escape(params["package"])
    )
    if params.get("next"):
        text += "\n" + _("Your plan is active; the next payment is due on {date}.").format(
            date=_date(params, "next")
        )
    return TextPayload(text, buttons=_to_client(_links(params)))


def _payment_received(params: dict[str, Any]) -> TextPayload:
    text = _("💶 {name} paid {amount} for {package}.").format(
        name=escape(params["name"]), amount=_amount(params), package=escape(params["package"])
    )
    return TextPayload(text, buttons=_open_client(params))


def _payment_failed(params: dict[str, Any]) -> TextPayload:
    text = _(
        "⚠️ Your payment of {amount} for {package} did not go through. "
        "Please update your card or pay the invoice."
    ).format(amount=_amount(params), package=escape(params["package"]))
    if params.get("grace_days") is not None:
        grace = int(params["grace_days"])
        text += " " + ngettext(
            "Your coaching continues for {count} more day.",
            "Your coaching continues for {count} more days.",
            grace,
        ).format(count=grace)
    row = _fix_payment(params)
    if params.get("checkout_id"):
        row.append(
            Button(
                text=_("💳 Try again"),
                callback_data=BuyCb(checkout_id=params["checkout_id"]).pack(),
            )
        )
    return TextPayload(text, buttons=_to_client(row))


def _payment_failed_coach(params: dict[str, Any]) -> TextPayload:
    text = _("⚠️ A payment of {amount} from {name} failed ({package}).").format(
        amount=_amount(params), name=escape(params["name"]), package=escape(params["package"])
    )
    return TextPayload(text, buttons=_open_client(params))


def _payment_reminder(params: dict[str, Any]) -> TextPayload:
    text = _(
        "A reminder: your payment of {amount} for {package} is still open. "
        "It only takes a minute to fix."
    ).format(amount=_amount(params), package=escape(params["package"]))
    return TextPayload(text, buttons=_to_client(_fix_payment(params)))


def _access_paused(params: dict[str, Any]) -> TextPayload:
    text = _(
        "Your coaching is paused because the payment is still open. "
        "It starts again as soon as it is paid."
    )
    return TextPayload(text, buttons=_to_client())


def _access_paused_coach(params: dict[str, Any]) -> TextPayload:
    text = _(
        "⏸ {name}'s payment is still open after the grace period: their coaching is paused "
        "until they pay."
    ).format(name=escape(params["name"]))
    return TextPayload(text, buttons=_open_client(params))


def _refund_issued(params: dict[str, Any]) -> str:
    return _(
        "↩️ {refunded} of your payment for {package} was refunded. It reaches your card "
        "within 5–10 days."
    ).format(refunded=_amount(params, "refunded"), package=escape(params["package"]))


def _trial_started(params: dict[str, Any]) -> TextPayload:
    text = _("🎉 Your free trial of {package} has started.").format(
        package=escape(params["package"])
    )
    if params.get("ends") and params.get("amount"):
        text += "\n" + _("The first payment of {amount} is due on {date}.").format(
            amount=_amount(params), date=_date(params, "ends")
        )
    return TextPayload(text, buttons=_to_client())


def _trial_started_coach(params: dict[str, Any]) -> TextPayload:
    text = _("🎉 {name} started a free trial of {package}.").format(
        name=escape(params["name"]), package=escape(params["package"])
    )
    return TextPayload(text, buttons=_open_client(params))


def _subscription_ended(params: dict[str, Any]) -> TextPayload:
    text = _("Your plan {package} has ended. Thank you for training with us!").format(
        package=escape(params["package"])
    )
    return TextPayload(text, buttons=_to_client())


def _subscription_ended_coach(params: dict[str, Any]) -> TextPayload:
    text = _("{name}'s plan {package} has ended.").format(
        name=escape(params["name"]), package=escape(params["package"])
    )
    return TextPayload(text, buttons=_open_client(params))


def _subscription_cancelling_coach(params: dict[str, Any]) -> TextPayload:
    values = {"name": escape(params["name"]), "package": escape(params["package"])}
    if params.get("ends"):
        text = _(
            "🛑 {name} cancelled {package}: it ends on {date}, with no further payments."
        ).format(date=_date(params, "ends"), **values)
    else:
        text = _("🛑 {name} cancelled {package}: no further payments.").format(**values)
    return TextPayload(text, buttons=_open_client(params))


def _subscription_renewed_coach(params: dict[str, Any]) -> TextPayload:
    text = _("↩️ {name} renewed {package}: it continues.").format(
        name=escape(params["name"]), package=escape(params["package"])
    )
    return TextPayload(text, buttons=_open_client(params))


def _link_subscriber_unmatched(params: dict[str, Any]) -> str:
    values = {"email": escape(params["email"]), "package": escape(params["package"])}
    if params["clients"] > 1:
        return _(
            "🔗 {email} subscribed to {package} through your payment link. Several of your "
            "clients have that e-mail, so I cannot tell whose plan it is. Sell it to the "
            "client from their card instead, or ask the subscriber to use another e-mail."
        ).format(**values)
    return _(
        "🔗 {email} subscribed to {package} through your payment link, but none of your "
        "clients has that e-mail. Add them as a client with this e-mail: the plan is linked "
        "to them with Stripe's next update of it, at the latest its next payment."
    ).format(**values)


BILLING_TEMPLATES: dict[str, Callable[[dict[str, Any]], str | TextPayload]] = {
    "package_offer": _package_offer,
    "payment_receipt": _payment_receipt,
    "payment_received": _payment_received,
    "payment_failed": _payment_failed,
    "payment_failed_coach": _payment_failed_coach,
    "payment_reminder": _payment_reminder,
    "access_paused": _access_paused,
    "access_paused_coach": _access_paused_coach,
    "refund_issued": _refund_issued,
    "trial_started": _trial_started,
    "trial_started_coach": _trial_started_coach,
    "subscription_ended": _subscription_ended,
    "subscription_ended_coach": _subscription_ended_coach,
    "subscription_cancelling_coach": _subscription_cancelling_coach,
    "subscription_renewed_coach": _subscription_renewed_coach,
    "link_subscriber_unmatched": _link_subscriber_unmatched,
}
