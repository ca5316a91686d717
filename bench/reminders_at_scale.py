"""Reminders at scale: the check-in ticks with 100,000 clients, on SQLite or PostgreSQL.

Three runs, each on a freshly migrated database seeded with bulk inserts (a coach, one
client made through the use cases, the rest copies of its rows):

  open       all --clients are due at the same 08:00 (Berlin): the time one tick takes
             to open every check-in and enqueue its "ready" message
             (target: <= 60 s on PostgreSQL, <= 120 s on SQLite)
  due-query  --clients plans, half of them stale (paused clients whose plan was left due,
             as before revision 0012; this tree first runs that revision's backfill):
             the median time of the due query, one batch
             (target: <= 50 ms)
  follow-up  --follow-up-clients open check-ins: half missed long ago (a backlog, older),
             half due a nudge: the nudges one tick sends, and its time
             (target: every nudge due goes out)

With --baseline REV the same runs are made with REV's code (its tree from `git archive`,
in a subprocess, against the same kind of database) and printed beside these. REV's open
tick takes 200 plans per 60 s tick: it is time-boxed (--baseline-seconds) and its rate
extrapolated to all clients, which is stated; its tick-bound delay (one tick a minute) is
printed too.

    python bench/reminders_at_scale.py [--clients 100000] [--follow-up-clients 20000]
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench]  (WIPED)
        [--baseline REV] [--baseline-seconds 20] [--runs open,due-query,follow-up]

Without --database-url a SQLite file in a temp dir is used. A PostgreSQL database given
is wiped (schema public dropped and made again) before each run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

NOW = datetime(2026, 3, 9, 7, 1, tzinfo=UTC)  # Monday 08:01 in Berlin
DUE = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin
CHUNK = 5000
OLD_TICK_PLANS = 200  # what one tick of the code before set-based ticks opens
TICK_SECONDS = 60
TARGETS = {
    "open": {"postgresql": 60.0, "sqlite": 120.0},
    "due-query": 0.050,
}


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--follow-up-clients", type=int, default=20_000)
    parser.add_argument("--database-url", help="PostgreSQL to use (wiped); default SQLite")
    parser.add_argument("--runs", default="open,due-query,follow-up")
    parser.add_argument("--baseline", metavar="REV", help="also run REV's code, beside")
    parser.add_argument("--baseline-seconds", type=float, default=20.0)
    parser.add_argument("--role", choices=("this", "baseline"), default="this", help="internal")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


# ---------------------------------------------------------------------------- database


async def fresh_database(url: str | None, directory: str) -> str:
    """A migrated, empty database: a new SQLite file, or the given PostgreSQL wiped."""
    from coachbot.storage import migrate

    if url is None:
        path = Path(directory) / f"bench-{time.monotonic_ns()}.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    await migrate.upgrade(url)
    return url


def dialect(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


async def seed(url: str, *, clients: int, stale: int = 0) -> dict[str, Any]:
    """A coach and `clients` active clients in Berlin with weekly Monday check-ins at
    08:00, all due at DUE; the first `stale` of them paused with their plan left due a
    week earlier (as pausing did before revision 0012). Bulk inserts: one client is made
    through the use cases, the others are copies of its rows."""
    from sqlalchemy import func, insert, select

    from coachbot.domain.checkins.setup import SetCheckinPlan, SetCheckinPlanUseCase
    from coachbot.domain.forms.use_cases import SyncShippedFormsUseCase
    from coachbot.domain.people.model import Client, ClientStatus, Coach, User
    from coachbot.storage.db import create_engine, create_session_factory
    from coachbot.storage.form_templates import shipped_templates
    from coachbot.storage.tables import CheckinPlanRow, ClientRow, UserRow
    from coachbot.storage.uow import SqlUnitOfWork

    started = time.perf_counter()
    engine = create_engine(url)
    factory = create_session_factory(engine)
    clock = FixedClock(DUE - timedelta(days=1))
    await SyncShippedFormsUseCase(SqlUnitOfWork(factory), clock)(shipped_templates())
    async with SqlUnitOfWork(factory) as uow:
        anna = await uow.users.add(User(telegram_id=1, first_name="Anna", created_at=clock.now()))
        coach = await uow.coaches.add(
            Coach(user_id=anna.id or 0, display_name="Anna", created_at=clock.now())
        )
        user = await uow.users.add(
            User(
                telegram_id=10_000_000,
                first_name="Client0",
                timezone="Europe/Berlin",
                created_at=clock.now(),
            )
        )
        client = await uow.clients.add(
            Client(
                coach_id=coach.id or 0,
                display_name="Client 0",
                status=ClientStatus.active,
                created_at=clock.now(),
                user_id=user.id,
            )
        )
        await uow.commit()
    await SetCheckinPlanUseCase(SqlUnitOfWork(factory), clock)(
        SetCheckinPlan(coach_id=coach.id, client_id=client.id, frequency="weekly", weekdays=(0,))
    )
    async with factory() as session:
        user_row = await one_row(session, UserRow, UserRow.id == user.id)
        client_row = await one_row(session, ClientRow, ClientRow.id == client.id)
        plan_row = await one_row(session, CheckinPlanRow, CheckinPlanRow.client_id == client.id)
        first_user = int(await session.scalar(select(func.max(UserRow.id))) or 0) + 1
        first_client = int(await session.scalar(select(func.max(ClientRow.id))) or 0) + 1
    async with factory() as session, session.begin():
        for start in range(0, clients - 1, CHUNK):
            numbers = range(start, min(start + CHUNK, clients - 1))
            users, rows, plans = [], [], []
            for n in numbers:
                stale_one = n < stale
                users.append(
                    {
                        **user_row,
                        "id": first_user + n,
                        "telegram_id": 10_000_001 + n,
                        "first_name": f"Client{n + 1}",
                    }
                )
                rows.append(
                    {
                        **client_row,
                        "id": first_client + n,
                        "user_id": first_user + n,
                        "display_name": f"Client {n + 1}",
                        "status": "paused" if stale_one else "active",
                    }
                )
                plans.append(
                    {
                        **plan_row,
                        "client_id": first_client + n,
                        "next_due_at": DUE - timedelta(days=7) if stale_one else DUE,
                        "updated_at": DUE - timedelta(days=7),
                    }
                )
            await session.execute(insert(UserRow), users)
            await session.execute(insert(ClientRow), rows)
            await session.execute(insert(CheckinPlanRow), plans)
    if not url.startswith("sqlite"):
        from sqlalchemy import text

        async with engine.begin() as connection:
            for table in ("users", "clients"):
                await connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            await connection.execute(text("ANALYZE"))
    await engine.dispose()
    return {"seconds": time.perf_counter() - started, "coach_id": coach.id, "user": user_row}


async def one_row(session: Any, row_class: Any, where: Any) -> dict[str, Any]:
    from sqlalchemy import select

    found = await session.execute(select(row_class.__table__).where(where))
    return dict(found.mappings().one())


async def count_outbox(url: str, prefix: str) -> int:
    from sqlalchemy import func, select

    from coachbot.storage.db import create_engine
    from coachbot.storage.tables import OutboxRow

    engine = create_engine(url)
    async with engine.connect() as connection:
        found = await connection.scalar(
            select(func.count()).where(OutboxRow.idempotency_key.like(f"{prefix}%"))
        )
    await engine.dispose()
    return int(found or 0)


# ---------------------------------------------------------------------------- runs


async def run_open(args: argparse.Namespace, directory: str) -> dict[str, Any]:
    from coachbot.domain.checkins.ticks import OpenDueCheckinsUseCase
    from coachbot.storage.db import create_engine, create_session_factory
    from coachbot.storage.uow import SqlUnitOfWork

    url = await fresh_database(args.database_url, directory)
    seeded = await seed(url, clients=args.clients)
    engine = create_engine(url)
    uow = SqlUnitOfWork(create_session_factory(engine))
    tick = OpenDueCheckinsUseCase(uow, FixedClock(NOW))
    opened, started = 0, time.perf_counter()
    if args.role == "this":
        opened = await tick()
    else:  # 200 a call: time-boxed, then extrapolated
        while time.perf_counter() - started < args.baseline_seconds:
            added = await tick()
            opened += added
            if not added:
                break
    seconds = time.perf_counter() - started
    await engine.dispose()
    enqueued = await count_outbox(url, "checkin-ready:")
    result = {
        "seed_seconds": seeded["seconds"],
        "opened": opened,
        "enqueued": enqueued,
        "seconds": seconds,
    }
    if opened < args.clients:
        result["extrapolated_seconds"] = seconds / max(opened, 1) * args.clients
        result["tick_bound_seconds"] = math.ceil(args.clients / OLD_TICK_PLANS) * TICK_SECONDS
    return result


async def run_due_query(args: argparse.Namespace, directory: str) -> dict[str, Any]:
    from sqlalchemy import or_, select, update

    from coachbot.storage.db import create_engine, create_session_factory
    from coachbot.storage.tables import CheckinPlanRow, ClientRow
    from coachbot.storage.uow import SqlUnitOfWork

    url = await fresh_database(args.database_url, directory)
    seeded = await seed(url, clients=args.clients, stale=args.clients // 2)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    if args.role == "this":  # revision 0012's backfill, as the upgrade ran it
        async with factory() as session, session.begin():
            stale = select(ClientRow.id).where(
                or_(ClientRow.status != "active", ClientRow.user_id.is_(None))
            )
            await session.execute(
                update(CheckinPlanRow)
                .where(CheckinPlanRow.next_due_at.is_not(None), CheckinPlanRow.client_id.in_(stale))
                .values(next_due_at=None)
            )
        if not url.startswith("sqlite"):
            from sqlalchemy import text

            async with engine.begin() as connection:
                await connection.execute(text("ANALYZE checkin_plans"))
    timings: dict[int, list[float]] = {OLD_TICK_PLANS: [], 1000: []}
    found: dict[int, int] = {}
    async with SqlUnitOfWork(factory) as uow:
        for _ in range(12):
            for size in timings if args.role == "this" else (OLD_TICK_PLANS,):
                started = time.perf_counter()
                if args.role == "this":
                    found[size] = len(await uow.checkins.due_plan_batch(now=NOW, limit=size))
                else:
                    found[size] = len(await uow.checkins.due_plans(now=NOW, limit=size))
                timings[size].append(time.perf_counter() - started)
        # The query alone (ids of one batch), as each tree writes it.
        plans = CheckinPlanRow
        if args.role == "this":
            query = (
                select(plans.client_id)
                .where(plans.active, plans.next_due_at.is_not(None), plans.next_due_at <= NOW)
                .order_by(plans.next_due_at, plans.client_id)
            )
        else:
            query = (
                select(plans.client_id)
                .join(ClientRow, ClientRow.id == plans.client_id)
                .where(
                    plans.active.is_(True),
                    plans.next_due_at <= NOW,
                    ClientRow.status == "active",
                    ClientRow.user_id.is_not(None),
                )
                .order_by(plans.next_due_at)
            )
    sql_timings = []
    async with factory() as session:
        for _ in range(12):
            started = time.perf_counter()
            (await session.execute(query.limit(OLD_TICK_PLANS))).all()
            sql_timings.append(time.perf_counter() - started)
    await engine.dispose()
    return {
        "seed_seconds": seeded["seconds"],
        "sql_seconds": statistics.median(sql_timings[2:]),
        "median_seconds": {
            size: statistics.median(values[2:]) for size, values in timings.items() if values
        },
        "rows": found,
    }


async def run_follow_up(args: argparse.Namespace, directory: str) -> dict[str, Any]:
    from sqlalchemy import insert, select

    from coachbot.domain.checkins.ticks import FollowUpCheckinsUseCase
    from coachbot.storage.db import create_engine, create_session_factory
    from coachbot.storage.tables import CheckinPlanRow, CheckinRow, ClientRow
    from coachbot.storage.uow import SqlUnitOfWork

    url = await fresh_database(args.database_url, directory)
    total = args.follow_up_clients
    seeded = await seed(url, clients=total)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    columns = set(CheckinRow.__table__.c.keys())
    backlog_due = DUE - timedelta(days=21)
    due = NOW - timedelta(hours=25)  # its nudge (after 24 h) is due
    async with factory() as session, session.begin():
        template_id = await session.scalar(select(CheckinPlanRow.template_id).limit(1))
        people = (await session.execute(select(ClientRow.id, ClientRow.user_id))).all()
        for start in range(0, len(people), CHUNK):
            rows = []
            for n, (client_id, user_id) in enumerate(people[start : start + CHUNK], start):
                old = n < total // 2
                row = {
                    "client_id": client_id,
                    "coach_id": seeded["coach_id"],
                    "user_id": user_id,
                    "template_id": template_id,
                    "form_key": "checkin",
                    "due_at": backlog_due if old else due,
                    "status": "open",
                    "missed_at": backlog_due + timedelta(days=2) if old else None,
                    "next_action_at": None if old else due + timedelta(hours=24),
                }
                rows.append({k: v for k, v in row.items() if k in columns})
            await session.execute(insert(CheckinRow), rows)
    if not url.startswith("sqlite"):
        from sqlalchemy import text

        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE checkins"))
    tick = FollowUpCheckinsUseCase(SqlUnitOfWork(factory), FixedClock(NOW))
    started = time.perf_counter()
    await tick()
    seconds = time.perf_counter() - started
    await engine.dispose()
    return {
        "seed_seconds": seeded["seconds"],
        "nudges": await count_outbox(url, "checkin-nudge:"),
        "nudges_due": total - total // 2,
        "seconds": seconds,
    }


RUNS = {"open": run_open, "due-query": run_due_query, "follow-up": run_follow_up}


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    results = {}
    with tempfile.TemporaryDirectory(prefix="reminders-bench-") as directory:
        for name in args.runs.split(","):
            print(f"[{args.role}] {name} ...", file=sys.stderr, flush=True)
            results[name] = await RUNS[name](args, directory)
            print(f"[{args.role}] {name}: {results[name]}", file=sys.stderr, flush=True)
    return results


def run_baseline(args: argparse.Namespace) -> dict[str, Any]:
    """This bench with REV's code: REV's tree on the path, this script driving it."""
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="reminders-bench-baseline-") as tree:
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", args.baseline], check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", tree], input=archive.stdout, check=True)
        argv = [sys.executable, str(Path(__file__).resolve()), "--role", "baseline", "--json"]
        argv += ["--clients", str(args.clients), "--runs", args.runs]
        argv += ["--follow-up-clients", str(args.follow_up_clients)]
        argv += ["--baseline-seconds", str(args.baseline_seconds)]
        if args.database_url:
            argv += ["--database-url", args.database_url]
        done = subprocess.run(
            argv,
            env={**os.environ, "PYTHONPATH": tree},
            cwd=tree,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- report


def report(args: argparse.Namespace, this: dict[str, Any], base: dict[str, Any] | None) -> bool:
    kind = "sqlite" if args.database_url is None else "postgresql"
    ok = True
    print(f"\nReminders at scale on {kind}: {args.clients:,} clients")
    if "open" in this:
        target = TARGETS["open"][kind]
        mine = this["open"]
        good = mine["opened"] == mine["enqueued"] == args.clients and mine["seconds"] <= target
        ok &= good
        print(
            f"  open all due    this: {mine['seconds']:.1f} s for {mine['opened']:,} opened, "
            f"{mine['enqueued']:,} enqueued   target <= {target:.0f} s   "
            f"{'ok' if good else 'MISSED'}   (seeding {mine['seed_seconds']:.1f} s)"
        )
        if base and "open" in base:
            old = base["open"]
            if "extrapolated_seconds" in old:
                print(
                    f"                  baseline {args.baseline}: {old['opened']:,} opened in "
                    f"{old['seconds']:.1f} s (time-boxed) -> {old['extrapolated_seconds']:.0f} s "
                    f"of work for all, extrapolated; at {OLD_TICK_PLANS} a {TICK_SECONDS} s tick "
                    f"the last waits {old['tick_bound_seconds'] / 60:.0f} min"
                )
            else:
                print(f"                  baseline {args.baseline}: {old['seconds']:.1f} s")
    if "due-query" in this:
        target = TARGETS["due-query"]
        mine = this["due-query"]
        median = {int(size): seconds for size, seconds in mine["median_seconds"].items()}
        good = mine["sql_seconds"] <= target
        ok &= good
        shown = ", ".join(
            f"{seconds * 1000:.1f} ms a batch of {size}" for size, seconds in median.items()
        )
        print(
            f"  due query       this: {mine['sql_seconds'] * 1000:.1f} ms the query (ids of "
            f"{OLD_TICK_PLANS}; 50 % stale)   target <= {target * 1000:.0f} ms   "
            f"{'ok' if good else 'MISSED'}\n"
            f"                  read with client, user, coach: {shown}"
        )
        if base and "due-query" in base:
            old = base["due-query"]
            seconds = next(iter(old["median_seconds"].values()))
            print(
                f"                  baseline {args.baseline}: {old['sql_seconds'] * 1000:.1f} ms "
                f"the query; {seconds * 1000:.1f} ms read (plans only, {OLD_TICK_PLANS})"
            )
    if "follow-up" in this:
        mine = this["follow-up"]
        good = mine["nudges"] == mine["nudges_due"]
        ok &= good
        print(
            f"  follow-up tick  this: {mine['nudges']:,} of {mine['nudges_due']:,} nudges due "
            f"sent in {mine['seconds']:.1f} s, behind {args.follow_up_clients // 2:,} old missed "
            f"check-ins   target: all   {'ok' if good else 'MISSED'}"
        )
        if base and "follow-up" in base:
            old = base["follow-up"]
            print(
                f"                  baseline {args.baseline}: {old['nudges']:,} nudges in one "
                f"tick, {old['seconds']:.1f} s"
            )
    return ok


async def main() -> int:
    args = parse_arguments()
    results = await measure(args)
    if args.json:
        print(json.dumps(results, default=str))
        return 0
    base = run_baseline(args) if args.baseline else None
    return 0 if report(args, results, base) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
