"""Fan-out benchmark: N reminders to N chats through the strict fake Bot API.

The fake server enforces Telegram's limits (30 messages/s overall, 1/s per chat) on a
sped-up clock that the delivery worker shares, so minutes of sending take seconds, and
answers each call after a simulated network round trip (`--rtt-ms`, on that clock). The
worker is a separate process running the real delivery core (outbox dispatcher, sender,
limiter) against a SQLite file (or `--database-url` / BENCH_DATABASE_URL). Three runs: the
baseline (one send in flight, as before), a clean one (sends in flight sized from the
measured round trip), and one in which the worker is killed with SIGKILL and restarted.

Prints, per run: achieved rate as % of the 30/s limit (on the server's clock), 429s,
duplicates, lost messages and the sends the worker kept in flight. Targets: >= 97 %,
0 x 429, 0 duplicates, 0 lost when clean; 0 lost and duplicates <= kills x in flight
when killed.

`--claim 1000,10000,100000` instead times one claim (60 messages) with that many pending
messages, each to its own chat: the claim as it is (partial indexes over pending rows,
migration 0013) beside the claim query before it (the per-chat GROUP BY over every due
pending row), and a one-row transaction (what any claim costs at least on that machine
at that moment). Target: <= 20 ms at 100k.

    python bench/outbox_fanout.py [--messages 10000] [--speed 5] [--kills 2] [--rtt-ms 50]
    python bench/outbox_fanout.py --claim 1000,10000,100000 [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import delete, func, insert, select, text, tuple_, update

from coachbot.bot.i18n import create_i18n
from coachbot.config import Settings
from coachbot.container import build_container
from coachbot.delivery import create_delivery
from coachbot.domain.outbox.model import Channel, OutgoingMessage, TextPayload
from coachbot.sandbox.telegram_server import FakeTelegramServer
from coachbot.scheduler.timing import ScaledTimer
from coachbot.storage import migrate
from coachbot.storage.db import create_engine, create_session_factory
from coachbot.storage.repositories import SqlOutboxQueue
from coachbot.storage.tables import OutboxRow, UnreachableRecipientRow
from coachbot.storage.uow import SqlUnitOfWork

TOKEN = "777000:BENCH-token"
LIMIT = 30


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--speed", type=float, default=5.0, help="clock speed-up")
    parser.add_argument("--kills", type=int, default=2, help="SIGKILLs in the last run")
    parser.add_argument("--rtt-ms", type=float, default=50.0, help="network round trip")
    parser.add_argument(
        "--baseline-messages", type=int, default=2000, help="messages in the baseline run"
    )
    parser.add_argument("--max-in-flight", type=int, default=16, help="the cap (setting)")
    parser.add_argument("--database-url", help="default: BENCH_DATABASE_URL or a SQLite file")
    parser.add_argument("--claim", help="time claims at these pending counts instead")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--report", help=argparse.SUPPRESS)
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
        _env_file=None,
        bot_token=TOKEN,
        database_url=args.database,
        outbox_poll_seconds=0.2,
        outbox_max_in_flight=args.max_in_flight,
        data_dir=Path(args.report).parent,  # the run's temporary folder, not the checkout
        # PostgreSQL wants a configured key; this bench stores no photos.
        encryption_keys=os.environ.get("ENCRYPTION_KEYS") or Fernet.generate_key().decode(),
    )
    container = build_container(settings)
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(args.api)))
    delivery = create_delivery(
        container, bot=bot, i18n=create_i18n("en"), timer=ScaledTimer(args.speed, args.origin)
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    places = delivery.dispatcher.places

    async def note_places() -> None:
        while True:  # what a SIGKILL would find in flight, for the report
            Path(args.report).write_text(  # noqa: ASYNC240 - a few bytes twice a second
                f"{places.size} {places.round_trip or 0.0}\n"
            )
            await asyncio.sleep(0.5)

    noting = asyncio.create_task(note_places())
    await delivery.run(stop)
    noting.cancel()
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


async def spawn(args, server, database_url, origin: float, log: Path, max_in_flight: int):
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
            "--max-in-flight",
            str(max_in_flight),
            "--report",
            str(log.with_suffix(".places")),
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


async def one_run(
    args, server, database_url, origin, run: str, kills: int, log: Path, *, messages: int, cap: int
) -> dict:
    await seed(database_url, server, messages, run)
    rejected_before = len(server.rejected_calls)
    started = time.monotonic()
    worker = await spawn(args, server, database_url, origin, log, cap)
    in_flight_at_kills = []
    for kill in range(1, kills + 1):
        await until(lambda k=kill: len(sends(server, run)) >= messages * k // (kills + 1))
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
        in_flight_at_kills.append(_places(log)[0])
        worker = await spawn(args, server, database_url, origin, log, cap)
    try:
        await until(lambda: len({c.params["text"] for c in sends(server, run)}) >= messages)
    finally:
        worker.send_signal(signal.SIGTERM)
        await worker.wait()
    calls = sends(server, run)
    counts = Counter(call.params["text"] for call in calls)
    clean_span = _busiest_stretch([call.at for call in calls]) if kills == 0 else None
    in_flight, round_trip = _places(log)
    return {
        "run": run,
        "kills": kills,
        "sent": len(calls),
        "rate_pct": clean_span,
        "http_429": sum(1 for c in server.rejected_calls[rejected_before:] if c.error_code == 429),
        "duplicates": sum(n - 1 for n in counts.values()),
        "bound": sum(in_flight_at_kills) if kills else 0,
        "lost": messages - len(counts),
        "in_flight": in_flight,
        "round_trip_ms": round_trip * 1000,
        "wall_seconds": time.monotonic() - started,
    }


def _places(log: Path) -> tuple[int, float]:
    """The sends the worker kept in flight and the round trip it measured, last noted."""
    try:
        size, round_trip = log.with_suffix(".places").read_text().split()
    except (FileNotFoundError, ValueError):
        return 0, 0.0
    return int(size), float(round_trip)


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
    with tempfile.TemporaryDirectory() as folder:
        database_url = (
            args.database_url
            or os.environ.get("BENCH_DATABASE_URL")
            or f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        )
        if args.claim:
            await claim_bench(database_url, [int(n) for n in args.claim.split(",")])
        else:
            await fanout_bench(args, database_url, Path(folder))


async def fanout_bench(args: argparse.Namespace, database_url: str, folder: Path) -> None:
    origin = time.time()
    clock = ScaledTimer(args.speed, origin)
    await migrate.upgrade(database_url)
    server = FakeTelegramServer(token=TOKEN, clock=clock.seconds, enforce_rate_limits=True)
    server.round_trip = args.rtt_ms / 1000 / args.speed  # real seconds for the scaled RTT
    await server.start()
    log = folder / "w"
    try:
        results = [
            await one_run(
                args,
                server,
                database_url,
                origin,
                "baseline",
                0,
                log,
                messages=args.baseline_messages,
                cap=1,
            ),
            await one_run(
                args,
                server,
                database_url,
                origin,
                "clean",
                0,
                log,
                messages=args.messages,
                cap=args.max_in_flight,
            ),
        ]
        if args.kills:  # 0: no run with kills
            results.append(
                await one_run(
                    args,
                    server,
                    database_url,
                    origin,
                    "killed",
                    args.kills,
                    log,
                    messages=args.messages,
                    cap=args.max_in_flight,
                )
            )
    finally:
        await server.stop()
    print(
        f"outbox fan-out: reminders to as many chats, limit {LIMIT}/s, round trip "
        f"{args.rtt_ms:g} ms, clock x{args.speed}, {database_url.split(':')[0]}; "
        f"baseline = 1 in flight (the old default); target >= 97 % of the limit"
    )
    print(
        f"{'run':8} {'kills':>5} {'sent':>7} {'rate % of limit':>16} {'429s':>5} "
        f"{'duplicates':>10} {'(bound)':>7} {'lost':>5} {'in flight':>9} {'rtt ms':>7} "
        f"{'wall s':>7}"
    )
    for r in results:
        rate = f"{r['rate_pct']:.1f}" if r["rate_pct"] is not None else "-"
        bound = str(r["bound"]) if r["kills"] else "0"
        print(
            f"{r['run']:8} {r['kills']:>5} {r['sent']:>7} {rate:>16} {r['http_429']:>5} "
            f"{r['duplicates']:>10} {bound:>7} {r['lost']:>5} {r['in_flight']:>9} "
            f"{r['round_trip_ms']:>7.0f} {r['wall_seconds']:>7.1f}"
        )


# -- claim at many pending messages ------------------------------------------------------


async def old_claim(session_factory, now: datetime, limit: int) -> int:
    """The claim before the partial indexes: settle, then the head of every chat through a
    GROUP BY over every due pending row (code as it was, for the baseline)."""
    async with session_factory() as session, session.begin():
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.status == "sending", OutboxRow.lease_until < now)
            .values(status="pending", claimed_by=None, lease_until=None)
        )
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.status == "pending", OutboxRow.expires_at < now)
            .values(status="missed", finished_at=now)
        )
        unreachable = select(UnreachableRecipientRow.channel, UnreachableRecipientRow.recipient)
        await session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.status == "pending",
                tuple_(OutboxRow.channel, OutboxRow.recipient).in_(unreachable),
            )
            .values(status="failed", last_error="recipient unreachable", finished_at=now)
        )
        busy = select(OutboxRow.channel, OutboxRow.recipient).where(OutboxRow.status == "sending")
        heads = (
            select(func.min(OutboxRow.id))
            .where(
                OutboxRow.status == "pending",
                OutboxRow.not_before <= now,
                tuple_(OutboxRow.channel, OutboxRow.recipient).not_in(busy),
            )
            .group_by(OutboxRow.channel, OutboxRow.recipient)
            .order_by(func.min(OutboxRow.id))
            .limit(limit * 3)
        )
        query = select(OutboxRow.id).where(OutboxRow.id.in_(heads), OutboxRow.status == "pending")
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(await session.scalars(query.order_by(OutboxRow.id)))[:limit]
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids))
            .values(status="sending", claimed_by="old", attempts=OutboxRow.attempts + 1)
        )
        return len(ids)


async def seed_pending(engine, count: int, now: datetime) -> None:
    async with engine.begin() as connection:
        await connection.execute(delete(OutboxRow))
        for start in range(0, count, 5000):
            await connection.execute(
                insert(OutboxRow),
                [
                    {
                        "channel": "telegram",
                        "recipient": str(2_000_000 + n),
                        "payload": {"kind": "text", "text": f"pending {n}", "buttons": []},
                        "idempotency_key": f"pending:{n}",
                        "status": "pending",
                        "not_before": now,
                        "attempts": 0,
                        "created_at": now,
                    }
                    for n in range(start, min(count, start + 5000))
                ],
            )
    async with engine.connect() as connection:
        await connection.execute(text("ANALYZE"))  # as autovacuum would have by then
        await connection.commit()


async def timed(claim, undo, runs: int = 7) -> tuple[float, int]:
    """Median milliseconds of `runs` claims, each undone (untimed) before the next."""
    times, claimed = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        claimed = await claim()
        times.append((time.perf_counter() - started) * 1000)
        await undo()
    return statistics.median(times), claimed


async def claim_bench(database_url: str, counts: list[int]) -> None:
    await migrate.upgrade(database_url)
    engine = create_engine(database_url)
    session_factory = create_session_factory(engine)
    queue = SqlOutboxQueue(session_factory)
    now = datetime.now(UTC)

    async def undo() -> None:
        async with engine.begin() as connection:
            await connection.execute(
                update(OutboxRow)
                .where(OutboxRow.status == "sending")
                .values(status="pending", claimed_by=None, lease_until=None, attempts=0)
            )

    async def new() -> int:
        return len(await queue.claim(worker="new", limit=60, now=now, lease_seconds=60))

    async def old() -> int:
        return await old_claim(session_factory, now, 60)

    async def floor() -> int:
        """One transaction updating one row: what any claim costs at least (load, disk)."""
        async with session_factory() as session, session.begin():
            await session.execute(update(OutboxRow).where(OutboxRow.id == 1).values(attempts=0))
        return 0

    async def nothing() -> None:
        pass

    print(
        f"outbox claim of 60 messages, each pending message to its own chat, "
        f"{database_url.split(':')[0]}; median of 7 (each claim undone); target <= 20 ms"
    )
    print(
        f"{'pending':>8} {'baseline: old query ms':>23} {'claim ms':>9} {'claimed':>8} "
        f"{'1-row tx ms':>12}"
    )
    try:
        for count in counts:
            await seed_pending(engine, count, now)
            baseline, _ = await timed(old, undo)
            figure, claimed = await timed(new, undo)
            least, _ = await timed(floor, nothing)
            print(f"{count:>8} {baseline:>23.1f} {figure:>9.1f} {claimed:>8} {least:>12.1f}")
        async with engine.begin() as connection:
            await connection.execute(delete(OutboxRow))
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
