"""The end-to-end harness: the real bot (dispatcher, middlewares, database) polling a
strict fake Telegram Bot API server, and scripted users talking to it.

The fake server starts once per module; every test gets a fresh bot and database, and
fails if the bot made a single call the real Bot API would refuse.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from coachbot.application import BotApplication, create_application
from coachbot.config import Settings
from coachbot.delivery import Delivery, create_delivery
from coachbot.sandbox.telegram_server import FakeTelegramServer, FakeUser
from tests.fakes.clock import FakeClock, FakeClockTimer

TOKEN = "123456:TEST-token"
BOT_USERNAME = "coachbot_test_bot"
ADMIN_ID = 1000


@pytest.fixture(scope="module")
async def telegram() -> AsyncIterator[FakeTelegramServer]:
    server = FakeTelegramServer(token=TOKEN, bot_username=BOT_USERNAME)
    await server.start()
    yield server
    await server.stop()


def make_settings(telegram: FakeTelegramServer, database_url: str, tmp_path, **overrides):
    values = {
        "bot_token": TOKEN,
        "telegram_api_url": telegram.url,
        "database_url": database_url,
        "redis_url": None,
        "admin_ids": frozenset({ADMIN_ID}),
        "data_dir": tmp_path,
        "webhook_url": None,
        "webhook_secret": None,
        "outbox_poll_seconds": 0.05,
        # Scripted users answer faster than people: flood control is tested on its own.
        "flood_limit": 10_000,
    }
    values.update(overrides)
    # _env_file=None: a developer's own .env must not leak into the tests.
    return Settings(_env_file=None, **values)


@dataclass
class Harness:
    app: BotApplication
    telegram: FakeTelegramServer
    clock: FakeClock
    polling: asyncio.Task
    delivery: asyncio.Task
    stop_delivery: asyncio.Event

    @classmethod
    async def start(
        cls, telegram: FakeTelegramServer, settings: Settings, clock: FakeClock
    ) -> Harness:
        app = create_application(settings, clock=clock, webhook_mode=False)
        polling = await start_polling(app, telegram)
        stop_delivery = asyncio.Event()
        delivery = asyncio.create_task(start_delivery(app, clock).run(stop_delivery))
        return cls(app, telegram, clock, polling, delivery, stop_delivery)

    async def stop(self) -> None:
        self.stop_delivery.set()
        await self.delivery
        await stop_polling(self.app, self.polling)
        await self.app.close()

    async def restart(self) -> None:
        """The bot process stops and a new one starts on the same database."""
        await self.stop()
        started = await Harness.start(self.telegram, self.app.settings, self.clock)
        self.app, self.polling = started.app, started.polling
        self.delivery, self.stop_delivery = started.delivery, started.stop_delivery

    async def forget_conversations(self) -> None:
        """Conversation state truly gone (cleared, or from before it was kept)."""
        await self.app.container.conversations.forget_everything()

    def user(self, user_id: int, first_name: str, **profile) -> FakeUser:
        return self.telegram.user(user_id, first_name, **profile)

    @property
    def admin(self) -> FakeUser:
        return self.user(ADMIN_ID, "Anna", last_name="Admin", username="anna")


async def start_polling(app: BotApplication, telegram: FakeTelegramServer) -> asyncio.Task:
    polls_before = _count_polls(telegram)
    task = asyncio.create_task(
        app.dispatcher.start_polling(
            app.bot, handle_signals=False, close_bot_session=False, polling_timeout=1
        )
    )
    async with asyncio.timeout(5):
        while _count_polls(telegram) == polls_before:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
    return task


async def stop_polling(app: BotApplication, task: asyncio.Task) -> None:
    await app.dispatcher.stop_polling()
    await asyncio.wait_for(task, 5)


def _count_polls(telegram: FakeTelegramServer) -> int:
    return sum(1 for call in telegram.requests if call.method == "getUpdates")


@pytest.fixture
async def harness(
    request: pytest.FixtureRequest,
    telegram: FakeTelegramServer,
    sqlite_url: str,
    tmp_path,
    clock: FakeClock,
) -> AsyncIterator[Harness]:
    """`@pytest.mark.settings(name=value)` on a test overrides settings for its bot."""
    telegram.reset()
    marker = request.node.get_closest_marker("settings")
    overrides = marker.kwargs if marker else {}
    settings = make_settings(telegram, sqlite_url, tmp_path, **overrides)
    harness = await Harness.start(telegram, settings, clock)
    try:
        yield harness
    finally:
        await harness.stop()
    telegram.assert_no_rejections()


def start_delivery(app: BotApplication, clock: FakeClock) -> Delivery:
    return create_delivery(app.container, bot=app.bot, i18n=app.i18n, timer=FakeClockTimer(clock))
