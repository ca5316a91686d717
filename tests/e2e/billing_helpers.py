"""The billing harness: the bot with Stripe configured, talking over HTTP to the fake
Stripe server (started once per module), which sends signed webhooks to the bot's web
server; and the steps the billing tests share."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pytest

from coachbot.application import create_application
from coachbot.domain.billing.dunning import DunningUseCase
from coachbot.runner import start_web
from coachbot.sandbox.stripe_server import FakeStripeServer
from coachbot.sandbox.telegram_server import ChatMessage, FakeUser
from coachbot.storage.uow import SqlUnitOfWork
from tests.e2e.checkin_helpers import onboarded_client
from tests.e2e.conftest import Harness, make_settings, start_delivery, start_polling, stop_polling
from tests.e2e.test_webhook import free_port

API_KEY = "sk_test_billing"
WEBHOOK_SECRET = "whsec_billing_secret"


@dataclass
class Shop:
    harness: Harness
    stripe: FakeStripeServer

    @property
    def coach(self) -> FakeUser:
        return self.harness.admin


@pytest.fixture(name="stripe_api", scope="module")
async def stripe_api_fixture() -> AsyncIterator[FakeStripeServer]:
    server = FakeStripeServer(api_key=API_KEY, webhook_secret=WEBHOOK_SECRET)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(name="shop")
async def shop_fixture(telegram, stripe_api, sqlite_url, tmp_path, clock) -> AsyncIterator[Shop]:
    telegram.reset()
    stripe_api.reset()
    stripe_api.clock = lambda: clock.now().timestamp()
    port = free_port()
    settings = make_settings(
        telegram,
        sqlite_url,
        tmp_path,
        stripe_api_key=API_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stripe_api.url,
        webhook_port=port,
    )
    app = create_application(settings, clock=clock, webhook_mode=False)
    web = await start_web(app)
    stripe_api.webhook_url = f"http://127.0.0.1:{port}/stripe/webhook"
    task = await start_polling(app, telegram)
    stop_delivery = asyncio.Event()
    delivery = asyncio.create_task(start_delivery(app, clock).run(stop_delivery))
    harness = Harness(app, telegram, clock, task, delivery, stop_delivery)
    try:
        yield Shop(harness, stripe_api)
    finally:
        stop_delivery.set()
        await delivery
        await stop_polling(app, harness.polling)
        await web.cleanup()
        await app.close()
    telegram.assert_no_rejections()


async def joined_client(shop: Shop) -> FakeUser:
    """Cleo, an onboarded client of the admin-coach, with the /help reply read (on a busy
    machine it can come after `onboarded_client` stopped waiting)."""
    cleo = await onboarded_client(shop.harness)
    await cleo.wait_for(lambda chat: any("Here is what" in m.text for m in chat.bot_messages))
    await cleo.bot_messages_until_idle()
    return cleo


async def open_billing_menu(coach: FakeUser, item: str) -> ChatMessage:
    """/menu, then 💶 Billing, then `item`; returns the reply to `item`."""
    await coach.send_text("/menu")
    await coach.next_bot_message()
    await coach.press("💶 Billing")
    await coach.next_bot_message()
    await coach.press(item)
    return await coach.next_bot_message()


async def create_package(
    shop: Shop,
    name: str = "Monthly coaching",
    price: str = "49.90",
    interval: str = "Monthly",
    trial: str = "No trial",
    currency: str = "EUR",
    refused: Mapping[str, str] = MappingProxyType({}),
) -> ChatMessage:
    """`refused`: prices typed first, each with the refusal it must get."""
    coach = shop.coach
    await open_billing_menu(coach, "📦 Packages")
    await coach.press("➕ New package")
    assert "What is the package called?" in (await coach.next_bot_message()).text
    await coach.send_text(name)
    await coach.next_bot_message()
    await coach.press("Skip")
    await coach.next_bot_message()
    await coach.press(currency)
    await coach.next_bot_message()
    for wrong, refusal in refused.items():
        await coach.send_text(wrong)
        assert (await coach.next_bot_message()).text == refusal
    await coach.send_text(price)
    await coach.next_bot_message()
    await coach.press(interval)
    if interval != "One-off":
        await coach.next_bot_message()
        await coach.press(trial)
    saved = await coach.next_bot_message()
    assert saved.text.startswith("Package saved ✅"), saved.text
    return saved


async def open_client_billing(shop: Shop, client_name: str = "Cleo Park") -> ChatMessage:
    coach = shop.coach
    await coach.send_text("/clients")
    await coach.next_bot_message()
    await coach.press(f"{client_name} · Active")
    await coach.next_bot_message()
    await coach.press("💳 Billing")
    return await coach.next_bot_message()


async def send_package(shop: Shop, package_label: str, client_name: str = "Cleo Park") -> None:
    await open_client_billing(shop, client_name)
    await shop.coach.press("📦 Send a package")
    await shop.coach.next_bot_message()
    await shop.coach.press(package_label)
    sent = await shop.coach.next_bot_message()
    assert sent.text.startswith("Sent "), sent.text
    # What the client does, said as it is: a button, then the checkout page.
    assert sent.text.endswith(
        "They get a Pay button, then pay on a secure checkout page; you will be told when "
        "they have paid."
    )


async def open_checkout(client: FakeUser, pay_label: str) -> str:
    """The client taps the offer's pay button; returns the checkout session id."""
    await client.press(pay_label)
    ready = await client.next_bot_message()
    assert ready.text == "Your checkout is ready. Payment is handled by Stripe."
    url = ready.button("🔒 Open secure checkout").url
    assert url is not None
    return url.rsplit("/", 1)[-1]


async def run_dunning(shop: Shop) -> int:
    uow = SqlUnitOfWork(shop.harness.app.session_factory)
    return await DunningUseCase(uow, shop.harness.clock)()
