"""Memory of the bot process: at start, after check-ins, after charts (issue 17).

The bot runs as in production in a process of its own (`coachbot.runner.run_bot`:
migrations, polling, delivery; SQLite in a temp dir, no Redis) against the strict fake
Bot API in this process. The database holds one coach with --clients clients (10,000,
bulk inserted); --checkins of them answer the weekly check-in (10 updates each, like
bench/checkin_throughput.py), then --charts of them ask /progress (a chart drawn).
Resident memory (VmRSS) of the bot process is read from /proc:

  start     the bot polling, nothing asked yet (plus a second to settle)
  checkins  after the check-ins
  charts    after the charts; "+render" is the bot's child processes (the render
            pool's fork server and processes), counted apart, as PSS (shared pages once)
and which of matplotlib, reportlab, stripe, numpy, PIL the bot process has loaded at
start (it writes them to a file when sent SIGUSR1).

    python bench/memory.py [--clients 10000] [--checkins 200] [--charts 20]
                           [--baseline REV]   (REV's code measured the same way, after)

The baseline is REV's tree (git archive into a temp dir) run by this script: the bot
process imports REV's `coachbot`, the seeding and the measuring are this tree's (the
schema must be the same). Target (the issue gives no number): RSS at start and after
the check-ins lower than the baseline's; matplotlib, reportlab and stripe not loaded at
start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("matplotlib", "reportlab", "stripe", "numpy", "PIL")
NOT_AT_START = ("matplotlib", "reportlab", "stripe")  # the target's
SETTLE_SECONDS = 1.0
TOKEN = "777001:BENCH-checkin-token"  # bench/checkin_throughput.py's, whose clients these are
ADMIN_ID = 1000


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000, help="clients in the database")
    parser.add_argument("--checkins", type=int, default=200, help="clients checking in")
    parser.add_argument("--charts", type=int, default=20, help="clients asking /progress")
    parser.add_argument("--concurrency", type=int, default=50, help="clients at once")
    parser.add_argument("--baseline", metavar="REV", help="also measure REV's code")
    parser.add_argument("--bot", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--modules-file", help=argparse.SUPPRESS)
    return parser.parse_args()


# ---------------------------------------------------------------------------- the bot process


def bot_main(args: argparse.Namespace) -> None:
    """Nothing but the standard library is imported here before the bot's own start."""
    import logging

    def write_modules(_signal, _frame) -> None:
        loaded = sorted(name for name in HEAVY if name in sys.modules)
        Path(args.modules_file).write_text(json.dumps(loaded))

    signal.signal(signal.SIGUSR1, write_modules)
    logging.basicConfig(level="WARNING")
    from coachbot import runner
    from coachbot.config import Settings

    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=args.api,
        database_url=args.database,
        redis_url=None,
        admin_ids=frozenset({ADMIN_ID}),
        data_dir=Path(args.data_dir),
        webhook_url=None,
        flood_limit=10_000,  # as bench/checkin_throughput.py: flood control not measured
    )
    asyncio.run(runner.run_bot(settings))


# ---------------------------------------------------------------------------- measuring


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def children_pss_mb(pid: int) -> float:
    """Proportional set size: pages the fork server shares with its render processes
    counted once, not once per process as RSS would."""
    total = 0.0
    for child in descendants(pid):
        try:
            rollup = Path(f"/proc/{child}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1]) / 1024
    return total


@dataclass
class Measured:
    tree: str
    start_mb: float = 0.0
    checkins_mb: float = 0.0
    charts_mb: float = 0.0
    render_mb: float = 0.0
    loaded_at_start: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def bulk_seed(database_url: str, checkin_ids: list[int], others: int) -> None:
    """The check-in clients as bench/checkin_throughput.py seeds them (open check-ins),
    then `others` more clients of the same coach in two bulk inserts."""
    from checkin_throughput import FIRST_CLIENT_ID, seed
    from sqlalchemy import insert, select

    from coachbot.domain.shared.clock import SystemClock
    from coachbot.storage.db import create_engine, create_session_factory
    from coachbot.storage.tables import ClientRow, CoachRow, UserRow

    await seed(database_url, checkin_ids)
    engine = create_engine(database_url)
    factory = create_session_factory(engine)
    now = SystemClock().now()
    first = FIRST_CLIENT_ID + 500_000
    async with factory() as session, session.begin():
        coach_id = (await session.execute(select(CoachRow.id))).scalar_one()
        users = [
            {
                "telegram_id": first + n,
                "first_name": f"Other{n}",
                "language": "en",
                "timezone": "Europe/Berlin",
                "created_at": now,
            }
            for n in range(others)
        ]
        await session.execute(insert(UserRow), users)
        rows = await session.execute(
            select(UserRow.id, UserRow.first_name).where(UserRow.telegram_id >= first)
        )
        clients = [
            {
                "coach_id": coach_id,
                "user_id": user_id,
                "display_name": name,
                "status": "active",
                "created_at": now,
            }
            for user_id, name in rows
        ]
        await session.execute(insert(ClientRow), clients)
    await engine.dispose()


def written(path: Path, timeout: float = 30.0) -> list[str]:
    """What the bot process writes when signalled (it answers within milliseconds)."""
    deadline = time.monotonic() + timeout
    while not (path.exists() and (text := path.read_text())):
        if time.monotonic() > deadline:
            raise RuntimeError("the bot process did not say what it loaded")
        time.sleep(0.05)
    return json.loads(text)


async def limited(work, concurrency: int) -> list[BaseException]:
    gate = asyncio.Semaphore(concurrency)

    async def one(job):
        async with gate:
            await job()

    results = await asyncio.gather(*(one(job) for job in work), return_exceptions=True)
    return [r for r in results if isinstance(r, BaseException)]


async def measure(args: argparse.Namespace, tree: Path, label: str) -> Measured:
    from checkin_throughput import CHECKIN_STEPS, FINAL_TEXT, Driver, stop_bot

    from coachbot.sandbox.telegram_server import FakeTelegramServer

    result = Measured(label)
    folder = Path(tempfile.mkdtemp(prefix="memory-bench-"))
    database_url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    ids = list(range(5_000_000, 5_000_000 + args.checkins))
    await bulk_seed(database_url, ids, max(0, args.clients - len(ids)))
    server = FakeTelegramServer(token=TOKEN, bot_username="bench_memory_bot")
    await server.start()
    server.known_user(ADMIN_ID, "Anna", last_name="Admin", username="anna")
    modules = folder / "modules.json"
    command = [sys.executable, __file__, "--bot", "--api", server.url]
    command += ["--database", database_url, "--data-dir", str(folder / "data")]
    command += ["--modules-file", str(modules)]
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    log = (folder / "bot.log").open("ab")
    process = await asyncio.create_subprocess_exec(
        *command, stdout=log, stderr=log, env=environment, cwd=str(tree)
    )
    try:
        deadline = time.monotonic() + 120
        while not server.calls("getUpdates"):
            if process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start; see {folder / 'bot.log'}")
            await asyncio.sleep(0.05)
        await asyncio.sleep(SETTLE_SECONDS)
        result.start_mb = rss_mb(process.pid)
        process.send_signal(signal.SIGUSR1)
        result.loaded_at_start = await asyncio.to_thread(written, modules)

        driver = Driver(server, CHECKIN_STEPS, expect_final=FINAL_TEXT)
        failed = await limited([lambda i=i: driver.converse(i) for i in ids], args.concurrency)
        await asyncio.sleep(SETTLE_SECONDS)
        result.checkins_mb = rss_mb(process.pid)

        async def chart(telegram_id: int) -> None:
            user = driver.user(telegram_id)
            await user.send_text("/progress")
            message = await user.next_bot_message(timeout=60)
            if message.kind != "photo":
                driver.errors.append(f"/progress answered {message.kind}: {message.text!r}")

        failed += await limited([lambda i=i: chart(i) for i in ids[: args.charts]], 4)
        await asyncio.sleep(SETTLE_SECONDS)
        result.charts_mb = rss_mb(process.pid)
        result.render_mb = children_pss_mb(process.pid)
        result.errors = driver.errors + [repr(error) for error in failed][:5]
        result.errors += [f"refused {c.method}: {c.description}" for c in server.rejected_calls][:5]
    finally:
        await stop_bot(process)
        log.close()
        await server.stop()
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return result


def baseline_tree(revision: str, folder: str) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True
    )
    subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
    return Path(folder)


def report(args: argparse.Namespace, results: list[Measured]) -> bool:
    print(
        f"memory of the bot process (VmRSS, MB): {args.clients} clients in the database, "
        f"{args.checkins} check-ins of 10 updates, then {args.charts} charts (/progress)"
    )
    print(f"{'tree':16} {'start':>7} {'checkins':>9} {'charts':>7} {'+render':>8}  loaded at start")
    for r in results:
        print(
            f"{r.tree:16} {r.start_mb:>7.0f} {r.checkins_mb:>9.0f} {r.charts_mb:>7.0f} "
            f"{r.render_mb:>8.0f}  {', '.join(r.loaded_at_start) or '-'}"
        )
    errors = sorted({e for r in results for e in r.errors})
    for error in errors[:10]:
        print(f"  ! {error}")
    this = results[0]
    heavy = [name for name in NOT_AT_START if name in this.loaded_at_start]
    print(
        f"not loaded at start: {', '.join(NOT_AT_START)} "
        f"{'ok' if not heavy else 'MISSED (' + ', '.join(heavy) + ')'}"
    )
    ok = not heavy and not errors
    if len(results) > 1:
        base = results[1]
        lower = this.start_mb < base.start_mb and this.checkins_mb < base.checkins_mb
        print(
            f"start {this.start_mb:.0f} MB vs {base.start_mb:.0f} MB, after check-ins "
            f"{this.checkins_mb:.0f} MB vs {base.checkins_mb:.0f} MB (target: lower than "
            f"the baseline) {'ok' if lower else 'MISSED'}"
        )
        ok = ok and lower
    return ok


async def main(args: argparse.Namespace) -> bool:
    results = [await measure(args, ROOT, "this tree")]
    if args.baseline:
        with tempfile.TemporaryDirectory(prefix="memory-bench-baseline-") as folder:
            tree = baseline_tree(args.baseline, folder)
            results.append(await measure(args, tree, f"baseline {args.baseline}"[:16]))
    return report(args, results)


if __name__ == "__main__":
    arguments = parse_arguments()
    if arguments.bot:
        bot_main(arguments)
    else:
        sys.exit(0 if asyncio.run(main(arguments)) else 1)
