"""The outbox dispatcher against the strict fake Bot API: every kind of message, the
answers Telegram gives under load or refusal, and its limits on the server's clock."""

from __future__ import annotations

import asyncio
import io
import itertools
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from PIL import Image
from sqlalchemy import select

from coachbot.bot.i18n import create_i18n
from coachbot.bot.notices import notice_renderer
from coachbot.domain.invitations.notices import CoachJoined
from coachbot.domain.outbox.model import (
    Button,
    Channel,
    DocumentPayload,
    FileRef,
    MediaGroupPayload,
    MediaItem,
    NoticePayload,
    OutgoingMessage,
    PhotoPayload,
    TextPayload,
)
from coachbot.sandbox.telegram_server import FakeTelegramServer
from coachbot.scheduler.limits import MemoryRateLimiter
from coachbot.scheduler.outbox import DispatcherSettings, OutboxDispatcher
from coachbot.scheduler.sender import (
    DeliveryError,
    Failure,
    RateLimitedSender,
    TelegramChannel,
)
from coachbot.storage.repositories import SqlOutboxQueue
from coachbot.storage.repositories._mapping import as_utc
from coachbot.storage.repositories.leases import SqlLeases
from coachbot.storage.tables import OutboxRow, UnreachableRecipientRow
from coachbot.storage.uow import SqlUnitOfWork
from tests.fakes.clock import FakeClock, VirtualTimer

TOKEN = "424242:DISPATCH-token"
BATCHES = itertools.count()
SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup"}


@pytest.fixture(scope="module")
def shared_clock() -> FakeClock:
    """One virtual clock for the module's server and dispatchers."""
    return FakeClock()


@pytest.fixture(scope="module")
async def telegram(shared_clock: FakeClock) -> AsyncIterator[FakeTelegramServer]:
    server = FakeTelegramServer(token=TOKEN, clock=VirtualTimer(shared_clock).seconds)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def timer(shared_clock: FakeClock) -> VirtualTimer:
    return VirtualTimer(shared_clock)


@pytest.fixture
async def bot(telegram: FakeTelegramServer) -> AsyncIterator[Bot]:
    telegram.reset()
    telegram.enforce_rate_limits = True
    session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.url))
    bot = Bot(TOKEN, session=session)
    yield bot
    await bot.session.close()


def dispatcher_for(
    session_factory, bot: Bot, timer, *, channel=None, limiter=None, leases=None, **settings
):
    channel = channel or TelegramChannel(bot, notice_renderer(create_i18n("en")))
    sender = RateLimitedSender(channel, limiter or MemoryRateLimiter(), timer)
    return OutboxDispatcher(
        SqlOutboxQueue(session_factory),
        sender,
        timer,
        DispatcherSettings(**settings),
        sole_sender_leases=leases,
    )


async def enqueue(session_factory, timer, *items: tuple[str, object]) -> None:
    async with SqlUnitOfWork(session_factory) as uow:
        for number, (recipient, payload) in enumerate(items):
            await uow.outbox.enqueue(
                OutgoingMessage(
                    channel=Channel.telegram,
                    recipient=recipient,
                    payload=payload,
                    idempotency_key=f"{recipient}:{number}:{next(BATCHES)}",
                    created_at=timer.now(),
                    not_before=timer.now(),
                )
            )
        await uow.commit()


async def rows(session_factory) -> list[OutboxRow]:
    async with session_factory() as session:
        return list(await session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def seconds_until(moment: datetime, timer) -> float:
    return (as_utc(moment) - timer.now()).total_seconds()


def sends(telegram: FakeTelegramServer) -> list:
    return [c for c in telegram.requests if c.method in SEND_METHODS and c.ok]


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, format="PNG")
    return buffer.getvalue()


async def test_every_kind_of_payload_arrives_as_the_user_sees_it(
    session_factory, bot, telegram, timer
):
    ann = telegram.known_user(11, "Ann")
    keyboard = ((Button("Open", url="https://example.org"), Button("Done", callback_data="d")),)
    image = FileRef(content=png(), filename="chart.png")
    await enqueue(
        session_factory,
        timer,
        ("11", TextPayload(text="<b>Hello</b> Ann", buttons=keyboard)),
        ("11", PhotoPayload(photo=image, caption="Your chart")),
        ("11", DocumentPayload(document=FileRef(content=b"%PDF-1.4", filename="r.pdf"))),
        ("11", MediaGroupPayload(items=(MediaItem("photo", image), MediaItem("photo", image)))),
        ("11", NoticePayload(CoachJoined(name="Ben <Baker>"), language="en")),
    )
    await dispatcher_for(session_factory, bot, timer).drain()
    seen = ann.chat.bot_messages
    assert [m.kind for m in seen] == ["text", "photo", "document", "photo", "photo", "text"]
    assert seen[0].text == "Hello Ann" and seen[0].buttons == [["Open", "Done"]]
    assert seen[1].caption == "Your chart" and seen[1].protect_content
    assert seen[5].text == "Ben <Baker> accepted your invitation and is now a coach."
    assert all(row.status == "sent" and row.sent_message_id for row in await rows(session_factory))
    telegram.assert_no_rejections()


async def test_a_429_is_waited_out_as_telegram_asks(session_factory, bot, telegram, timer):
    ann = telegram.known_user(12, "Ann")
    await bot.send_message(12, "sent by another process a moment ago")
    await enqueue(session_factory, timer, ("12", TextPayload(text="reminder")))
    dispatcher = dispatcher_for(session_factory, bot, timer)
    await dispatcher.drain()
    [row] = await rows(session_factory)
    assert row.status == "pending" and "retry after" in row.last_error
    assert seconds_until(row.not_before, timer) >= 1
    await timer.sleep(seconds_until(row.not_before, timer))
    await dispatcher.drain()
    [row] = await rows(session_factory)
    assert (row.status, row.attempts) == ("sent", 2)
    assert ann.chat.last_bot_message.text == "reminder"
    assert [c.error_code for c in telegram.rejected_calls] == [429]


async def test_a_user_who_blocked_the_bot_is_not_tried_again(session_factory, bot, telegram, timer):
    ann = telegram.known_user(13, "Ann")
    await ann.block_bot()
    await enqueue(
        session_factory, timer, ("13", TextPayload(text="one")), ("13", TextPayload(text="two"))
    )
    await dispatcher_for(session_factory, bot, timer).drain()
    first, second = await rows(session_factory)
    assert (first.status, first.attempts) == ("failed", 1)
    assert "blocked" in first.last_error
    assert (second.status, second.last_error) == ("failed", "recipient unreachable")
    assert [c.error_code for c in telegram.rejected_calls] == [403]
    async with session_factory() as session:
        assert await session.get(UnreachableRecipientRow, ("telegram", "13")) is not None


async def test_a_bad_request_fails_for_good_with_the_reason(session_factory, bot, telegram, timer):
    telegram.known_user(14, "Ann")
    await enqueue(session_factory, timer, ("14", TextPayload(text="<b>unclosed")))
    await dispatcher_for(session_factory, bot, timer).drain()
    [row] = await rows(session_factory)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error.startswith("Bad Request: can't parse entities")
    assert [c.error_code for c in telegram.rejected_calls] == [400]


class FlakyChannel:
    """Fails like a network outage `failures` times, then delivers."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def send(self, chat_id: str, payload) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise DeliveryError(Failure.transient, "Server disconnected")
        return 1000 + self.calls


async def test_network_errors_back_off_exponentially_then_deliver(session_factory, bot, timer):
    channel = FlakyChannel(failures=3)
    dispatcher = dispatcher_for(
        session_factory, bot, timer, channel=channel, backoff_base_seconds=2
    )
    await enqueue(session_factory, timer, ("15", TextPayload(text="hi")))
    waits = []
    for _ in range(3):
        await dispatcher.drain()
        [row] = await rows(session_factory)
        wait = seconds_until(row.not_before, timer)
        waits.append(wait)
        await timer.sleep(wait)
    await dispatcher.drain()
    [row] = await rows(session_factory)
    assert (row.status, row.attempts, row.sent_message_id) == ("sent", 4, 1004)
    for attempt, wait in enumerate(waits, start=1):
        ceiling = 2 * 2 ** (attempt - 1)
        assert ceiling / 2 <= wait <= ceiling + 0.01


async def test_a_message_that_keeps_failing_is_given_up(session_factory, bot, timer):
    channel = FlakyChannel(failures=100)
    dispatcher = dispatcher_for(
        session_factory, bot, timer, channel=channel, max_attempts=3, backoff_base_seconds=1
    )
    await enqueue(session_factory, timer, ("16", TextPayload(text="hi")))
    for _ in range(3):
        await dispatcher.drain()
        await timer.sleep(10)
    [row] = await rows(session_factory)
    assert (row.status, row.attempts, channel.calls) == ("failed", 3, 3)


def busiest_window(times: list[float], window: float) -> int:
    times = sorted(times)
    start, most = 0, 0
    for end, moment in enumerate(times):
        while times[start] <= moment - window:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_limits_hold_on_the_fake_servers_own_clock(session_factory, bot, telegram, timer):
    """90 one-off chats (the global 30/s), 3 chats with 5 each (1/s), a group with 25
    (20/min): nothing refused, everything delivered, every chat in order."""
    group = telegram.group(-100777, "Cohort")
    group.started = True
    items = []
    for chat in range(200, 290):
        telegram.known_user(chat, f"User {chat}")
        items.append((str(chat), TextPayload(text=f"to {chat}")))
    for chat in (300, 301, 302):
        telegram.known_user(chat, f"User {chat}")
        items += [(str(chat), TextPayload(text=f"{chat} #{n}")) for n in range(5)]
    items += [("-100777", TextPayload(text=f"group #{n}")) for n in range(25)]
    await enqueue(session_factory, timer, *items)

    await dispatcher_for(session_factory, bot, timer).drain()

    telegram.assert_no_rejections()
    delivered = sends(telegram)
    assert len(delivered) == len(items)
    by_chat = defaultdict(list)
    for call in delivered:
        by_chat[str(call.params["chat_id"])].append(call)
    assert busiest_window([c.at for c in delivered], 1.0) <= 30
    for chat in ("300", "301", "302"):
        assert [c.params["text"] for c in by_chat[chat]] == [f"{chat} #{n}" for n in range(5)]
        assert busiest_window([c.at for c in by_chat[chat]], 1.0) == 1
    assert busiest_window([c.at for c in by_chat["-100777"]], 60.0) <= 20
    assert [c.params["text"] for c in by_chat["-100777"]] == [f"group #{n}" for n in range(25)]


async def test_stopping_hands_back_what_was_not_sent(session_factory, bot, telegram, timer):
    telegram.known_user(17, "Ann")
    await enqueue(session_factory, timer, *[("17", TextPayload(text=f"#{n}")) for n in range(3)])
    dispatcher = dispatcher_for(session_factory, bot, timer)
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(stop))
    await telegram.wait_for(lambda: len(sends(telegram)) >= 1)
    stop.set()
    await running
    statuses = Counter(row.status for row in await rows(session_factory))
    assert statuses["sending"] == 0
    assert statuses["sent"] + statuses["pending"] == 3
    assert all(r.attempts == (1 if r.status == "sent" else 0) for r in await rows(session_factory))


@pytest.mark.postgres
async def test_two_dispatchers_on_postgresql_deliver_2000_messages_exactly_once(
    postgres_schema_url, bot, telegram, timer
):
    from coachbot.storage.db import create_engine, create_session_factory
    from tests.conftest import truncate_all

    engines = [create_engine(postgres_schema_url) for _ in range(2)]
    await truncate_all(engines[0])
    factories = [create_session_factory(engine) for engine in engines]
    chats = range(5000, 5200)
    for chat in chats:
        telegram.known_user(chat, f"User {chat}")
    items = [(str(chat), TextPayload(text=f"{chat}:{n}")) for n in range(10) for chat in chats]
    await enqueue(factories[0], timer, *items)

    shared_limits = MemoryRateLimiter()  # what Redis gives processes on several machines
    dispatchers = [
        dispatcher_for(factory, bot, timer, limiter=shared_limits) for factory in factories
    ]
    await asyncio.gather(*(d.drain() for d in dispatchers))
    for engine in engines:
        await engine.dispose()

    texts = Counter(call.params["text"] for call in sends(telegram))
    assert len(texts) == 2000, "lost messages"
    assert max(texts.values()) == 1, "duplicates"
    order = defaultdict(list)
    for call in sends(telegram):
        order[call.params["chat_id"]].append(int(call.params["text"].split(":")[1]))
    assert all(sequence == list(range(10)) for sequence in order.values())
    telegram.assert_no_rejections()


async def test_a_worker_whose_claim_ran_out_does_not_send(session_factory, bot, telegram, timer):
    telegram.known_user(18, "Ann")
    await enqueue(session_factory, timer, ("18", TextPayload(text="once")))
    queue = SqlOutboxQueue(session_factory)
    [stale] = await queue.claim(worker="stalled", limit=1, now=timer.now(), lease_seconds=1)
    await timer.sleep(2)
    fresh = dispatcher_for(session_factory, bot, timer)
    await fresh.drain()  # takes the message over and sends it
    stalled = dispatcher_for(session_factory, bot, timer)
    stalled.worker_id = "stalled"
    await stalled._deliver(stale)  # wakes up late: must not send again
    assert [c.params["text"] for c in sends(telegram)] == ["once"]


@pytest.mark.parametrize("status", [429, 502])
async def test_each_chat_keeps_its_order_when_sends_are_refused(
    session_factory, bot, telegram, timer, status
):
    """Every 7th send refused (429 with retry_after, or a 5xx): a message put back keeps
    its place at the head of its chat, which waits; other chats go on."""
    chats = range(600, 610)
    for chat in chats:
        telegram.known_user(chat, f"User {chat}")
    items = [(str(chat), TextPayload(text=f"{chat} seq {n}")) for chat in chats for n in range(8)]
    await enqueue(session_factory, timer, *items)
    faults = telegram.inject_faults(7, status=status, retry_after=1)
    dispatcher = dispatcher_for(session_factory, bot, timer, backoff_base_seconds=1)
    for _ in range(100):
        await dispatcher.drain()
        if all(row.status == "sent" for row in await rows(session_factory)):
            break
        await timer.sleep(1)
    assert faults.seen > len(items)  # some were refused and sent again
    by_chat = defaultdict(list)
    for call in sends(telegram):
        by_chat[call.params["chat_id"]].append(call.params["text"])
    assert by_chat == {chat: [f"{chat} seq {n}" for n in range(8)] for chat in chats}
    telegram.assert_no_rejections(except_codes={status})


async def test_without_redis_one_worker_sends_and_the_other_stands_by(
    session_factory, bot, telegram, timer
):
    """Each worker counts the limits in its own memory (no Redis): both sending at once
    would go over 30/s. The second stands by, and takes over once the first stops."""
    chats = range(700, 790)
    for chat in chats:
        telegram.known_user(chat, f"User {chat}")
    await enqueue(session_factory, timer, *[(str(c), TextPayload(text=f"a {c}")) for c in chats])
    leases = SqlLeases(session_factory)
    first, second = (dispatcher_for(session_factory, bot, timer, leases=leases) for _ in "12")
    await asyncio.gather(first.drain(), second.drain())  # the lease is taken: 1 s to settle
    await timer.sleep(1)
    await asyncio.gather(first.drain(), second.drain())
    assert len(sends(telegram)) == len(chats)
    telegram.assert_no_rejections()

    await first._shutdown()  # stops and hands the lease over
    await enqueue(session_factory, timer, *[(str(c), TextPayload(text=f"b {c}")) for c in chats])
    await second.drain()  # takes the lease over, then lets the last second pass
    await timer.sleep(1)
    await second.drain()
    assert len(sends(telegram)) == 2 * len(chats)
    telegram.assert_no_rejections()


class SlowChannel:
    """Answers after a real-time round trip; notes what is in flight at once."""

    def __init__(self, round_trip: float) -> None:
        self.round_trip = round_trip
        self.in_flight: set[str] = set()
        self.most_in_flight = 0
        self.sent: list[tuple[str, str]] = []

    async def send(self, chat_id: str, payload) -> int:
        assert chat_id not in self.in_flight, f"two sends to chat {chat_id} at once"
        self.in_flight.add(chat_id)
        self.most_in_flight = max(self.most_in_flight, len(self.in_flight))
        await asyncio.sleep(self.round_trip)
        self.in_flight.discard(chat_id)
        self.sent.append((chat_id, payload.text))
        return len(self.sent)


async def test_sends_overlap_across_chats_never_within_one(session_factory, bot, timer):
    channel = SlowChannel(round_trip=0.01)
    sender = RateLimitedSender(channel, MemoryRateLimiter(), timer, max_in_flight=6)
    sender.places.measured(0.5)  # a slow network: every place is used
    dispatcher = OutboxDispatcher(SqlOutboxQueue(session_factory), sender, timer)
    chats = [str(chat) for chat in range(800, 812)]
    await enqueue(
        session_factory,
        timer,
        *[(c, TextPayload(text=f"{c} #{n}")) for n in range(3) for c in chats],
    )
    for _ in range(10):
        await dispatcher.drain()
        await timer.sleep(1)  # each chat's 1/s
    assert 1 < channel.most_in_flight <= 6
    for chat in chats:
        assert [text for c, text in channel.sent if c == chat] == [f"{chat} #{n}" for n in range(3)]
