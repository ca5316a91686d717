"""A database outage while the bot runs (PostgreSQL restarting, a failover): updates that
arrive meanwhile are handled once it is back, not answered with "Something went wrong".

The outage is simulated deterministically: every statement on the bot's engine fails with
the connection-level error a dropped connection gives, until the fake clock passes its
end; the bot waits between tries by moving that clock, so no test waits in real time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from coachbot.application import BotApplication, create_application
from coachbot.runner import start_webhook
from coachbot.sandbox.telegram_server import FakeTelegramServer
from tests.e2e.conftest import make_settings, start_polling, stop_polling
from tests.e2e.test_webhook import SECRET, free_port
from tests.fakes.clock import FakeClock

GREETING = "Hi Sam! I am Coachbot"
SPARED = ("processed_updates", "conversation_states")


class Outage:
    """Refuses statements on `engine` from `begin()` until the clock reaches its end."""

    def __init__(self, engine: AsyncEngine, clock: FakeClock) -> None:
        self._clock = clock
        self._until: datetime | None = None
        self._spare_ledger = False
        self.refused = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._refuse)

    def begin(self, seconds: float, *, spare_ledger: bool = False) -> None:
        """`spare_ledger`: the update ledger and the conversation state still work (the
        update is claimed and its conversation read, then its unit of work fails)."""
        self._until = self._clock.now() + timedelta(seconds=seconds)
        self._spare_ledger = spare_ledger

    def _refuse(self, _connection, _cursor, statement: str, parameters: Any, *_: Any) -> None:
        if self._until is None or self._clock.now() >= self._until:
            return
        if self._spare_ledger and (
            statement.startswith("BEGIN") or any(table in statement for table in SPARED)
        ):
            return
        self.refused += 1
        raise OperationalError(
            statement,
            parameters,
            ConnectionRefusedError(111, "Connection refused"),
            connection_invalidated=True,
        )


def waits_on(clock: FakeClock):
    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)
        await asyncio.sleep(0)

    return sleep


@pytest.fixture
async def polling_bot(
    telegram: FakeTelegramServer, sqlite_url: str, tmp_path, clock: FakeClock
) -> AsyncIterator[BotApplication]:
    """The bot polling, without the delivery worker (it would hit the outage too)."""
    telegram.reset()
    settings = make_settings(telegram, sqlite_url, tmp_path, update_retry_seconds=30)
    app = create_application(settings, clock=clock, webhook_mode=False, sleep=waits_on(clock))
    polling = await start_polling(app, telegram)
    try:
        yield app
    finally:
        await stop_polling(app, polling)
        await app.close()
    telegram.assert_no_rejections()


async def test_an_update_sent_during_a_25_second_outage_is_answered_once_it_is_back(
    telegram, polling_bot, clock
):
    outage = Outage(polling_bot.engine, clock)
    outage.begin(seconds=25)
    sam = telegram.user(811, "Sam")  # new to the bot: nothing of Sam is remembered yet
    await sam.send_text("/start")
    reply = await sam.next_bot_message(timeout=10)
    assert reply.text.startswith(GREETING), reply.text
    assert await sam.bot_messages_until_idle(idle=0.3) == []
    assert outage.refused >= 3


async def test_an_outage_longer_than_the_retries_is_reported_with_a_reference(
    telegram, polling_bot, clock
):
    sam = telegram.user(812, "Sam")
    await sam.send_text("/start")
    await sam.next_bot_message()
    Outage(polling_bot.engine, clock).begin(seconds=120)
    await sam.send_text("/help")
    reply = await sam.next_bot_message(timeout=10)
    assert reply.text.startswith("Something went wrong (ref "), reply.text


@pytest.fixture
async def webhook_bot(
    telegram: FakeTelegramServer, sqlite_url: str, tmp_path, clock: FakeClock
) -> AsyncIterator[BotApplication]:
    """Webhook mode; an update is retried for 5 s before Telegram is asked to redeliver."""
    telegram.reset()
    port = free_port()
    settings = make_settings(
        telegram,
        sqlite_url,
        tmp_path,
        webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
        webhook_secret=SECRET,
        webhook_port=port,
        update_retry_seconds=5,
    )
    app = create_application(settings, clock=clock, sleep=waits_on(clock))
    runner = await start_webhook(app)
    try:
        yield app
    finally:
        await runner.cleanup()
        await app.close()
    telegram.assert_no_rejections()


@pytest.mark.parametrize("spare_ledger", [False, True], ids=["whole-database", "after-claim"])
async def test_a_webhook_update_refused_during_an_outage_is_redelivered_and_handled_once(
    telegram, webhook_bot, clock, spare_ledger
):
    """Telegram gets 500 (not 200) while the database is away, delivers the update again,
    and the redelivery is handled once: also when the update was claimed before it failed
    (the claim is given back, so the redelivery need not wait for its lease)."""
    Outage(webhook_bot.engine, clock).begin(seconds=5, spare_ledger=spare_ledger)
    sam = telegram.user(813, "Sam")
    await sam.send_text("/start")
    reply = await sam.next_bot_message(timeout=10)
    assert reply.text.startswith(GREETING), reply.text
    await telegram.wait_for(lambda: any(d.ok for d in telegram.webhook_deliveries))
    statuses = [delivery.status for delivery in telegram.webhook_deliveries]
    assert statuses[0] == 500 and statuses[-1] == 200, statuses
    assert await sam.bot_messages_until_idle(idle=0.3) == []
