"""`coachbot worker` killed with SIGKILL again and again while delivering: every message
arrives, a kill repeats at most the messages then in flight (`MAX_IN_FLIGHT`), nothing
stays stuck. Without Redis, the next worker stands by until the killed one's sender lease
runs out."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from coachbot.domain.outbox.model import Channel, OutgoingMessage, TextPayload
from coachbot.sandbox.telegram_server import FakeTelegramServer
from coachbot.storage.db import create_engine, create_session_factory
from coachbot.storage.tables import OutboxRow
from coachbot.storage.uow import SqlUnitOfWork

TOKEN = "515151:CRASH-token"
MESSAGES = 1000
KILLS = int(os.environ.get("CRASH_KILLS", "12"))  # CRASH_KILLS=50 for a longer soak
LEASE_SECONDS = 2
MAX_IN_FLIGHT = 4  # sends under way at once, so at most repeated per kill
# PostgreSQL needs the key from configuration (start-up refuses without one); all workers
# share it, as every process of a deployment does.
ENCRYPTION_KEY = Fernet.generate_key().decode()


@pytest.fixture(scope="module")
async def telegram() -> AsyncIterator[FakeTelegramServer]:
    server = FakeTelegramServer(token=TOKEN)
    await server.start()
    yield server
    await server.stop()


async def start_worker(telegram: FakeTelegramServer, database_url: str, tmp_path):
    environment = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": telegram.url,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path),
        "ENCRYPTION_KEYS": ENCRYPTION_KEY,
        "OUTBOX_RATE_PER_SECOND": "100",
        "OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
        "OUTBOX_MAX_IN_FLIGHT": str(MAX_IN_FLIGHT),
        "OUTBOX_POLL_SECONDS": "0.1",
        "LOG_LEVEL": os.environ.get("CRASH_LOG_LEVEL", "WARNING"),
    }
    environment.pop("REDIS_URL", None)
    # Output goes to a file: a pipe nobody reads would stall the worker once full.
    with (tmp_path / "worker.log").open("ab") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "coachbot",
            "worker",
            cwd=tmp_path,
            env=environment,
            stdout=log,
            stderr=log,
        )


def delivered(telegram: FakeTelegramServer) -> Counter:
    return Counter(
        call.params["text"]
        for call in telegram.requests
        if call.method == "sendMessage" and call.ok
    )


async def enqueue_reminders(database_url: str, telegram: FakeTelegramServer) -> None:
    from datetime import UTC, datetime

    engine = create_engine(database_url)
    now = datetime.now(UTC)
    async with SqlUnitOfWork(create_session_factory(engine)) as uow:
        for number in range(MESSAGES):
            chat = 10_000 + number
            telegram.known_user(chat, f"Client {number}")
            await uow.outbox.enqueue(
                OutgoingMessage(
                    channel=Channel.telegram,
                    recipient=str(chat),
                    payload=TextPayload(text=f"reminder {number}"),
                    idempotency_key=f"reminder:{number}",
                    created_at=now,
                    not_before=now,
                )
            )
        await uow.commit()
    await engine.dispose()


async def outbox_statuses(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
        )
        result = dict(rows.all())
    await engine.dispose()
    return result


async def test_sigkilled_workers_lose_nothing_and_repeat_only_what_was_in_flight(
    telegram, database_url, engine, tmp_path
):
    """On SQLite and PostgreSQL (`engine` empties the PostgreSQL tables first)."""
    crash_database_url = database_url
    telegram.reset()
    rng = random.Random(20261125)
    await enqueue_reminders(crash_database_url, telegram)

    # The next worker starts while the current one delivers, as in a deployment with
    # several workers, and so that the test does not wait for a start-up per kill.
    standby = await start_worker(telegram, crash_database_url, tmp_path)
    for kill in range(KILLS):
        if kill % 5 == 4:  # now and then, die while still starting up
            worker = await start_worker(telegram, crash_database_url, tmp_path)
            await asyncio.sleep(rng.uniform(0.0, 0.8))
        else:
            worker, standby = standby, await start_worker(telegram, crash_database_url, tmp_path)
            target = sum(delivered(telegram).values()) + rng.randint(1, 30)
            await telegram.wait_for(lambda t=target: sum(delivered(telegram).values()) >= t, 30)
        worker.send_signal(signal.SIGKILL)
        await worker.wait()

    survivor = standby
    try:
        await telegram.wait_for(lambda: len(delivered(telegram)) == MESSAGES, 90)
        # Let the last claims settle before looking at the table.
        for _ in range(100):
            if (await outbox_statuses(crash_database_url)).get("sent") == MESSAGES:
                break
            await asyncio.sleep(0.1)
    finally:
        survivor.send_signal(signal.SIGTERM)
        await asyncio.wait_for(survivor.wait(), 30)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert survivor.returncode == 0, log[-3000:]

    counts = delivered(telegram)
    duplicates = sum(count - 1 for count in counts.values())
    assert len(counts) == MESSAGES, "lost messages"
    assert duplicates <= KILLS * MAX_IN_FLIGHT
    assert await outbox_statuses(crash_database_url) == {"sent": MESSAGES}
    telegram.assert_no_rejections()
