"""Fan-out benchmark: N reminders to N chats through the strict fake Bot API.

The fake server enforces Telegram's limits (30 messages/s overall, 1/s per chat) on a
sped-up clock that the delivery worker shares, so minutes of sending take seconds. The
worker is a separate process running the real delivery core (outbox dispatcher, sender,
limiter) against a SQLite file (or BENCH_DATABASE_URL). Two runs: a clean one, and one in
which the worker is killed with SIGKILL and restarted during the run.

Prints, per run: achieved rate as % of the 30/s limit (on the server's clock), 429s,
duplicates and lost messages. Targets: >= 97 %, 0 x 429, 0 duplicates, 0 lost when clean;
0 lost and duplicates <= kills when killed.

    python bench/outbox_fanout.py [--messages 10000] [--speed 5] [--kills 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from coachbot.bot.i18n import create_i18n
from coachbot.config import Settings
from coachbot.container import build_container
from coachbot.delivery import create_delivery
from coachbot.domain.outbox.model import Channel, OutgoingMessage, TextPayload
from coachbot.sandbox.telegram_server import FakeTelegramServer
from coachbot.scheduler.timing import ScaledTimer
from coachbot.storage import migrate
from coachbot.storage.db import create_engine, create_session_factory
from coachbot.storage.uow import SqlUnitOfWork

TOKEN = "777000:BENCH-token"
LIMIT = 30


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--speed", type=float, default=5.0, help="clock speed-up")
    parser.add_argument("--kills", type=int, default=2, help="SIGKILLs in the second run")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--origin", type=float, help=argparse.SUPPRESS)
    return parser.parse_args()


async def run_worker(args: argparse.Namespace) -> None:
    """The worker process: the production delivery core on the shared sped-up clock."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    settings = Settings(
        _env_file=None, bot_token=TOKEN, database_url=args.database, outbox_poll_seconds=0.2
    )
    container = build_container(settings)
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(args.api)))
    delivery = create_delivery(
        container, bot=bot, i18n=create_i18n("en"), timer=ScaledTimer(args.speed, args.origin)
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await delivery.run(stop)
    await bot.session.close()
    await container.close()


async def seed(database_url: str, server: FakeTelegramServer, count: int, run: str) -> None:
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    async with SqlUnitOfWork(create_session_factory(engine)) as uow:
        for number in range(count):
            chat = 1_000_000 + number
            server.known_user(chat, f"Client {number}")
            await uow.outbox.enqueue(
                OutgoingMessage(
                    channel=Channel.telegram,
                    recipient=str(chat),
                    payload=TextPayload(text=f"{run} reminder {number}"),
                    idempotency_key=f"{run}:{number}",
                    created_at=now,
                    not_before=now,
                )
            )
        await uow.commit()
    await engine.dispose()


async def spawn(args, server, database_url: str, origin: float, log: Path):
    with log.open("ab") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--worker",
            "--api",
            server.url,
            "--database",
            database_url,
            "--speed",
            str(args.speed),
            "--origin",
            repr(origin),
            stdout=output,
            stderr=output,
        )


async def until(condition) -> None:
    """Poll now and then: checking on every API call would slow the server being measured."""
    while not condition():  # noqa: ASYNC110 - deliberately not woken by every call
        await asyncio.sleep(0.25)


def sends(server: FakeTelegramServer, run: str) -> list:
    return [
        call
        for call in server.requests
        if call.method == "sendMessage" and call.ok and call.params["text"].startswith(run)
    ]


async def one_run(args, server, database_url, origin, run: str, kills: int, log: Path) -> dict:
    await seed(database_url, server, args.messages, run)
    rejected_before = len(server.rejected_calls)
    started = time.monotonic()
    worker = await spawn(args, server, database_url, origin, log)
    for kill in range(1, kills + 1):
        await until(lambda k=kill: len(sends(server, run)) >= args.messages * k // (kills + 1))
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
        worker = await spawn(args, server, database_url, origin, log)
    try:
        await until(lambda: len({c.params["text"] for c in sends(server, run)}) >= args.messages)
    finally:
        worker.send_signal(signal.SIGTERM)
        await worker.wait()
    calls = sends(server, run)
    counts = Counter(call.params["text"] for call in calls)
    clean_span = _busiest_stretch([call.at for call in calls]) if kills == 0 else None
    return {
        "run": run,
        "kills": kills,
        "sent": len(calls),
        "rate_pct": clean_span,
        "http_429": sum(1 for c in server.rejected_calls[rejected_before:] if c.error_code == 429),
        "duplicates": sum(n - 1 for n in counts.values()),
        "lost": args.messages - len(counts),
        "wall_seconds": time.monotonic() - started,
    }


def _busiest_stretch(times: list[float]) -> float:
    """Messages per second between the first and the last send, as % of the limit."""
    times = sorted(times)
    span = times[-1] - times[0]
    return 100.0 * (len(times) - 1) / span / LIMIT if span > 0 else 0.0


async def main() -> None:
    args = parse_arguments()
    if args.worker:
        await run_worker(args)
        return
    origin = time.time()
    clock = ScaledTimer(args.speed, origin)
    with tempfile.TemporaryDirectory() as folder:
        database_url = os.environ.get("BENCH_DATABASE_URL") or (
            f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        )
        await migrate.upgrade(database_url)
        server = FakeTelegramServer(token=TOKEN, clock=clock.seconds, enforce_rate_limits=True)
        await server.start()
        try:
            results = [
                await one_run(args, server, database_url, origin, "clean", 0, Path(folder) / "w"),
                await one_run(
                    args, server, database_url, origin, "killed", args.kills, Path(folder) / "w"
                ),
            ]
        finally:
            await server.stop()
    print(
        f"outbox fan-out: {args.messages} reminders to {args.messages} chats, "
        f"limit {LIMIT}/s, clock x{args.speed}"
    )
    print(
        f"{'run':8} {'kills':>5} {'sent':>7} {'rate % of limit':>16} {'429s':>5} "
        f"{'duplicates':>10} {'lost':>5} {'wall s':>7}"
    )
    for r in results:
        rate = f"{r['rate_pct']:.1f}" if r["rate_pct"] is not None else "-"
        print(
            f"{r['run']:8} {r['kills']:>5} {r['sent']:>7} {rate:>16} {r['http_429']:>5} "
            f"{r['duplicates']:>10} {r['lost']:>5} {r['wall_seconds']:>7.1f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
