"""Billing rules without Stripe or Telegram: money, access and grace, webhook checks."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
import stripe

from coachbot.domain.billing.model import (
    BillingSettings,
    Subscription,
    SubscriptionState,
    SubscriptionStatus,
)
from coachbot.domain.billing.money import Money, clean_currency
from coachbot.domain.shared.errors import InvalidDetailError
from coachbot.integrations.stripe_gateway import InvalidWebhook, StripeWebhookVerifier
from coachbot.sandbox.stripe_server import sign_payload
from tests.fakes.clock import FakeClock

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("49", "eur", 4900),
        ("49.90", "eur", 4990),
        ("49,9", "eur", 4990),
        ("1 200", "usd", 120000),
        ("5000", "jpy", 5000),
    ],
)
def test_typed_prices_become_minor_units(typed, currency, minor):
    assert Money.parse(typed, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("typed", "locale", "minor"),
    [
        ("1.234,50", "de", 123450),
        ("1.234,50", "en", 123450),  # two kinds of separator: the last one is decimal
        ("1234.50", "de", 123450),
        ("1 234,50", "de", 123450),
        ("1\u202f234,50", "fr", 123450),
        ("€49", "de", 4900),
        ("49 €", "de", 4900),
        ("EUR 49,90", "de", 4990),
        ("1.234", "de", 123400),  # a thousands separator in German
        ("1,234", "en", 123400),  # and in English
    ],
)
def test_prices_are_read_in_the_coachs_locale(typed, locale, minor):
    assert Money.parse(typed, "eur", locale) == Money(minor, "eur")


def test_dollar_prices_with_thousands():
    assert Money.parse("$1,234.50", "usd", "en") == Money(123450, "usd")


@pytest.mark.parametrize(
    ("typed", "currency", "code"),
    [
        ("abc", "eur", "invalid"),
        ("49.999", "eur", "too_precise"),  # a decimal point in English
        ("12.34.5", "eur", "invalid"),
        ("1,2345", "eur", "too_precise"),
        ("1.000", "eur", "too_precise"),  # not a thousand, in English
        ("12 34", "eur", "invalid"),
        ("49.5", "jpy", "too_precise"),
        ("0", "eur", "out_of_range"),
        ("1000000", "eur", "out_of_range"),
    ],
)
def test_wrong_prices_are_refused(typed, currency, code):
    with pytest.raises(InvalidDetailError) as refused:
        Money.parse(typed, currency)
    assert refused.value.code == code


def test_currencies_are_three_letter_codes_without_three_decimal_ones():
    assert clean_currency(" EUR ") == "eur"
    for bad in ("EURO", "e1r", "kwd"):
        with pytest.raises(InvalidDetailError):
            clean_currency(bad)


def subscription(status: SubscriptionStatus) -> Subscription:
    return Subscription(
        coach_id=1,
        client_id=1,
        stripe_subscription_id="sub_1",
        stripe_customer_id="cus_1",
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )


def state(status: SubscriptionStatus) -> SubscriptionState:
    return SubscriptionState("sub_1", status, "cus_1", "price_1", "si_1", NOW, False, False)


def test_a_failed_renewal_keeps_access_for_the_grace_period_only():
    sub = subscription(SubscriptionStatus.active)
    sub.apply(state(SubscriptionStatus.past_due), NOW)
    assert sub.past_due_since == NOW
    assert sub.grants_access(NOW + timedelta(days=2, hours=23), grace_days=3)
    assert not sub.grants_access(NOW + timedelta(days=3), grace_days=3)
    # A later past_due view does not restart the grace period.
    sub.apply(state(SubscriptionStatus.past_due), NOW + timedelta(days=1))
    assert sub.past_due_since == NOW
    sub.apply(state(SubscriptionStatus.active), NOW + timedelta(days=4))
    assert sub.past_due_since is None and sub.grants_access(NOW + timedelta(days=4), 3)


@pytest.mark.parametrize(
    ("status", "access"),
    [
        (SubscriptionStatus.trialing, True),
        (SubscriptionStatus.unpaid, False),
        (SubscriptionStatus.canceled, False),
        (SubscriptionStatus.incomplete, False),
    ],
)
def test_which_statuses_give_access(status, access):
    assert subscription(status).grants_access(NOW, grace_days=3) is access


def test_coaching_needs_a_subscription_giving_access_only_when_the_coach_requires_one():
    free = BillingSettings(coach_id=1)
    paid = BillingSettings(coach_id=1, require_subscription=True, grace_days=3)
    assert free.grants_access([], NOW)
    assert not paid.grants_access([], NOW)
    ended = subscription(SubscriptionStatus.canceled)
    assert not paid.grants_access([ended], NOW)
    assert paid.grants_access([ended, subscription(SubscriptionStatus.active)], NOW)


def test_grace_days_are_bounded():
    with pytest.raises(InvalidDetailError):
        BillingSettings(coach_id=1, grace_days=31)


def signed(payload: str, at: datetime, secret: str = "whsec_unit") -> str:
    return sign_payload(payload, secret, int(at.timestamp()))


EVENT = json.dumps({"id": "evt_1", "type": "invoice.paid", "data": {"object": {"id": "in_1"}}})


def test_the_webhook_verifier_takes_fresh_signed_events_only():
    clock = FakeClock(NOW)
    verifier = StripeWebhookVerifier("whsec_unit", clock, tolerance_seconds=300)
    event = verifier.verify(EVENT.encode(), signed(EVENT, NOW - timedelta(seconds=299)))
    assert (event.id, event.type, event.object_id) == ("evt_1", "invoice.paid", "in_1")
    refusals = [
        None,
        "",
        "t=1,v0=abc",
        signed(EVENT, NOW, secret="whsec_other"),
        signed(EVENT, NOW - timedelta(seconds=301)),
        signed(EVENT, NOW + timedelta(seconds=301)),  # the official helper would take it
    ]
    for header in refusals:
        with pytest.raises(InvalidWebhook):
            verifier.verify(EVENT.encode(), header)
    with pytest.raises(InvalidWebhook):
        verifier.verify(b"[]", signed("[]", NOW))


def test_amounts_are_shown_in_the_readers_language():
    from coachbot.bot.billing.texts import money

    assert money(4990, "eur", "de") == "49,90\xa0€"
    assert money(4990, "eur", "en") == "€49.90"
    assert money(5000, "jpy", "en") == "¥5,000"
    assert money(123456, "usd", "de") == "1.234,56\xa0$"


def test_a_replayed_signature_hidden_behind_a_fresh_spaced_timestamp_is_refused():
    clock = FakeClock(NOW)
    verifier = StripeWebhookVerifier("whsec_unit", clock, tolerance_seconds=300)
    old = signed(EVENT, NOW - timedelta(hours=2))  # "t=<old>,v1=<sig>", captured long ago
    now = int(NOW.timestamp())
    for header in (
        f"t ={now},{old}",  # Stripe's helper reads t=<old>; stripping spaces read <now>
        f" t={now},{old}",
        f"{old},t={now}",  # two timestamps: which one was signed depends on who reads it
        f"t={now},{old}",
    ):
        with pytest.raises(InvalidWebhook):
            verifier.verify(EVENT.encode(), header)


@pytest.mark.parametrize(
    "header",
    [
        "t= {at},v1={sig}",  # int() would take the space; Stripe never sends one
        "t=+{at},v1={sig}",
        "t={at}.0,v1={sig}",
        "t=,v1={sig}",
        "v1={sig}",
        "t={at},v1={sig},t={at}",  # the same timestamp twice is still two
    ],
)
def test_malformed_timestamps_are_refused_even_with_a_valid_signature(header):
    clock = FakeClock(NOW)
    verifier = StripeWebhookVerifier("whsec_unit", clock, tolerance_seconds=300)
    at = int(NOW.timestamp())
    sig = signed(EVENT, NOW).split("v1=")[1]
    with pytest.raises(InvalidWebhook):
        verifier.verify(EVENT.encode(), header.format(at=at, sig=sig))


def test_a_header_with_several_signatures_is_taken_when_one_matches():
    clock = FakeClock(NOW)
    verifier = StripeWebhookVerifier("whsec_unit", clock, tolerance_seconds=300)
    header = signed(EVENT, NOW)  # t=..,v1=..: add an old secret's signature and a v0
    at, good = header.split(",")
    header = f"{at},v1={'0' * 64},{good},v0=abc"
    assert verifier.verify(EVENT.encode(), header).id == "evt_1"
    stripe.WebhookSignature.verify_header(EVENT, header, "whsec_unit")  # agrees
    # Stripe's helper raises TypeError on this one (a 500); we just skip the stranger.
    assert verifier.verify(EVENT.encode(), f"{at},v1=ünïcode,{good}").id == "evt_1"


def test_future_dated_signatures_beyond_the_tolerance_are_refused():
    clock = FakeClock(NOW)
    verifier = StripeWebhookVerifier("whsec_unit", clock, tolerance_seconds=300)
    assert verifier.verify(EVENT.encode(), signed(EVENT, NOW + timedelta(seconds=300)))
    with pytest.raises(InvalidWebhook):
        verifier.verify(EVENT.encode(), signed(EVENT, NOW + timedelta(seconds=301)))


def _event(**changes) -> str:
    event = {"id": "evt_1", "type": "invoice.paid", "data": {"object": {"id": "in_1"}}}
    return json.dumps(event | changes)


@pytest.mark.parametrize(
    "payload",
    [
        b"\xff\xfe not utf-8",
        b"[]",
        b"null",
        b"{not json",
        _event(type=None).encode(),
        _event(type=7).encode(),
        _event(id={"x": 1}).encode(),
        _event(id=None).encode(),
        _event(account=["acct_1"]).encode(),
        _event(data={"object": {"id": {"nested": "in_1"}}}).encode(),
        _event(data={"object": {"id": None}}).encode(),
        _event(data={"object": "in_1"}).encode(),
        _event(data={}).encode(),
        _event(data=None).encode(),
    ],
)
def test_signed_payloads_that_are_not_events_are_refused(payload):
    clock = FakeClock(NOW)
    verifier = StripeWebhookVerifier("whsec_unit", clock, tolerance_seconds=300)
    at = int(NOW.timestamp())
    digest = hmac.new(b"whsec_unit", f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    for header in (f"t={at},v1={digest}", "t=1,v1=abc"):
        with pytest.raises(InvalidWebhook):
            verifier.verify(payload, header)
