"""Webhook mode: Telegram POSTs updates to our aiohttp server with a secret header."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest

from coachbot.application import create_application
from coachbot.bot.middlewares.dedupe import CLAIM_LEASE_SECONDS
from coachbot.runner import start_webhook
from coachbot.sandbox.telegram_server import FakeTelegramServer
from coachbot.storage.db import create_engine, create_session_factory
from coachbot.storage.repositories import SqlUpdateLedger
from tests.e2e.conftest import make_settings

SECRET = "webhook-secret_123"


def start_update(*, update_id: int, user_id: int) -> dict:
    """A raw `/start` update, as Telegram would POST it."""
    sender = {"id": user_id, "is_bot": False, "first_name": "Sam"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "text": "/start",
            "chat": {"id": user_id, "type": "private", "first_name": "Sam"},
            "from": sender,
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def webhook_url(
    telegram: FakeTelegramServer, sqlite_url, tmp_path, clock
) -> AsyncIterator[str]:
    telegram.reset()
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    settings = make_settings(
        telegram,
        sqlite_url,
        tmp_path,
        webhook_url=url,
        webhook_secret=SECRET,
        webhook_port=port,
    )
    app = create_application(settings, clock=clock)
    runner = await start_webhook(app)
    try:
        yield url
    finally:
        await runner.cleanup()
        await app.close()
    telegram.assert_no_rejections()


async def test_updates_arrive_by_webhook_with_the_secret(telegram, webhook_url):
    sam = telegram.user(701, "Sam")
    await sam.send_text("/start")
    reply = await sam.next_bot_message()
    assert reply.text.startswith("Hi Sam! I am Coachbot")
    # The reply is sent while the delivery is still open: its status is recorded after.
    await telegram.wait_for(lambda: len(telegram.webhook_deliveries) == 1)
    assert telegram.webhook_deliveries[0].status == 200


async def test_a_duplicate_delivery_is_answered_but_handled_once(telegram, webhook_url):
    sam = telegram.user(702, "Sam")
    await sam.send_text("/start")
    await sam.next_bot_message()
    await sam.resend_last_update()
    assert await sam.bot_messages_until_idle(idle=0.3) == []
    await telegram.wait_for(lambda: len(telegram.webhook_deliveries) == 2)
    assert [d.status for d in telegram.webhook_deliveries] == [200, 200]


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}])
async def test_a_request_without_the_right_secret_is_refused_and_not_processed(
    telegram, webhook_url, headers
):
    sam = telegram.user(703, "Sam")
    await sam.send_text("/help")
    await sam.next_bot_message()
    update = start_update(update_id=990001, user_id=703)
    async with (
        aiohttp.ClientSession() as http,
        http.post(webhook_url, json=update, headers=headers) as response,
    ):
        assert response.status == 401
    assert await sam.bot_messages_until_idle(idle=0.3) == []


async def test_an_update_another_worker_holds_is_refused_until_its_lease_runs_out(
    telegram, webhook_url, sqlite_url, clock
):
    """A worker that died mid-update leaves its claim behind: the redelivery must not be
    acknowledged and dropped, but refused (so Telegram retries) until the lease expires."""
    engine = create_engine(sqlite_url)
    ledger = SqlUpdateLedger(create_session_factory(engine))
    update = start_update(update_id=990002, user_id=704)
    await ledger.claim(990002, now=clock.now(), lease_seconds=CLAIM_LEASE_SECONDS)
    await engine.dispose()
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    sam = telegram.user(704, "Sam")
    await sam.send_text("/help")  # Telegram knows the chat before the raw posts below
    await sam.next_bot_message()
    async with aiohttp.ClientSession() as http:
        async with http.post(webhook_url, json=update, headers=headers) as response:
            assert response.status == 500
        assert await sam.bot_messages_until_idle(idle=0.3) == []
        clock.advance(seconds=CLAIM_LEASE_SECONDS + 1)
        async with http.post(webhook_url, json=update, headers=headers) as response:
            assert response.status == 200
    assert (await sam.next_bot_message()).text.startswith("Hi Sam! I am Coachbot")
