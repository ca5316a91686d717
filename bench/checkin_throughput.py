"""Check-in throughput: many clients answering check-ins, next to a bare aiogram echo bot.

Each bot runs as in production in a process of its own (`coachbot.runner.run_bot` with
SQLite in a temp dir, no Redis, delivery on; the echo bot: one Dispatcher, one handler
answering every text with the same text). This process runs the strict fake Bot API
and the scripted clients, so the fake's and the clients' work is not charged to the bot
and both bots are measured the same way.

Every client answers the default weekly check-in like a person: /checkin, weight,
waist, energy (button), sleep, adherence (button), trained (button), wins (text),
struggles (Skip), photos (Skip) -- 10 updates, each sent once the bot's reply arrived.
The echo bot gets the same 10 answers as text. Runs, per bot, after a warm-up:

  max     all clients at once, each waiting for the reply before its next answer
          -> updates/s (coachbot / echo >= 60 %)
  paced   a fixed offered load of --rate updates/s spread over the clients -> latency
          from the update being published to the bot's reply (sendMessage) reaching
          the fake server, p50/p95/p99 (coachbot p99 <= 25 ms)
  photo   (coachbot only, no target) one photo per client at the photo question, paced

Prints a table and ok/MISSED per target; exits 1 if a target is missed.

    python bench/checkin_throughput.py [--clients 200] [--rate 200] [--paced-clients 100]
                                       [--profile bot.prof]
                                       [--baseline REV]  (the same bench at REV, after)
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import io
import logging
import os
import random
import signal
import sys
import tempfile
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from coachbot.sandbox.telegram_server import FakeTelegramServer, FakeUser

TOKEN = "777001:BENCH-checkin-token"
ADMIN_ID = 1000
FIRST_CLIENT_ID = 5_000_000
TARGET_RATIO = 0.60
TARGET_P99_MS = 25.0
REPLY_TIMEOUT = 60.0

# The default weekly check-in, answered without photos; the echo bot gets the same text.
CHECKIN_STEPS: tuple[tuple[str, str], ...] = (
    ("text", "/checkin"),
    ("text", "72.5"),  # weight
    ("text", "81"),  # waist
    ("press", "7"),  # energy 1-10
    ("text", "7.5"),  # hours of sleep
    ("press", "Mostly (70–90 %)"),  # adherence
    ("press", "Yes"),  # trained
    ("text", "Hit every session"),  # what went well
    ("press", "Skip"),  # struggles (optional)
    ("press", "Skip"),  # progress photos
)
ECHO_STEPS = tuple(("text", value) for _, value in CHECKIN_STEPS)
FINAL_TEXT = "Thank you"


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200, help="clients in the max run")
    parser.add_argument("--rate", type=float, default=200.0, help="offered updates/s, paced")
    parser.add_argument("--paced-clients", type=int, default=100, help="clients, paced run")
    parser.add_argument("--warmup-clients", type=int, default=30)
    parser.add_argument("--photo-clients", type=int, default=20, help="0: no photo row")
    parser.add_argument("--profile", help="cProfile the coachbot process into this file")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="also run this bench as it is at git revision REV (its code, its bot), "
        "right after this one, and print both",
    )
    parser.add_argument("--bot", choices=("echo", "coachbot"), help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    return parser.parse_args()


# ---------------------------------------------------------------------------- bot processes


def bot_settings(api: str, database_url: str, data_dir: str):
    from coachbot.config import Settings

    return Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=api,
        database_url=database_url,
        redis_url=None,
        admin_ids=frozenset({ADMIN_ID}),
        data_dir=Path(data_dir),
        webhook_url=None,
        # Each client sends 10 updates within seconds: flood control is not measured here.
        flood_limit=10_000,
    )


async def run_coachbot(args: argparse.Namespace) -> None:
    """The production entry point (`coachbot run`: polling + delivery), minus the CLI."""
    from coachbot import runner

    await runner.run_bot(bot_settings(args.api, args.database, args.data_dir))


async def run_echo(args: argparse.Namespace) -> None:
    from aiogram import Bot, Dispatcher, F
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(args.api)))
    dispatcher = Dispatcher()

    @dispatcher.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    await dispatcher.start_polling(bot)


def bot_main(args: argparse.Namespace) -> None:
    # What `coachbot run` configures (INFO, one line per handled update), for both bots.
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    main = run_coachbot if args.bot == "coachbot" else run_echo
    if not args.profile:
        asyncio.run(main(args))
        return
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        asyncio.run(main(args))
    finally:
        profiler.disable()
        profiler.dump_stats(args.profile)


# ---------------------------------------------------------------------------- seeding


@dataclass
class Cohorts:
    """Telegram ids of the clients, one list per run (each client answers one check-in)."""

    warmup: list[int]
    max: list[int]
    paced: list[int]
    photo: list[int]


def cohorts(args: argparse.Namespace) -> Cohorts:
    ids = iter(range(FIRST_CLIENT_ID, FIRST_CLIENT_ID + 1_000_000))
    return Cohorts(
        warmup=[next(ids) for _ in range(args.warmup_clients)],
        max=[next(ids) for _ in range(args.clients)],
        paced=[next(ids) for _ in range(args.paced_clients)],
        photo=[next(ids) for _ in range(args.photo_clients)],
    )


def client_name(telegram_id: int) -> str:
    return f"Client{telegram_id - FIRST_CLIENT_ID}"


async def seed(database_url: str, telegram_ids: Sequence[int]) -> None:
    """A coach with active clients, each with an open check-in whose "ready" message was
    already delivered (clients start with /checkin, so the outbox stays quiet)."""
    from sqlalchemy import delete

    from coachbot.domain.checkins.setup import SetCheckinPlan, SetCheckinPlanUseCase
    from coachbot.domain.checkins.ticks import OpenDueCheckinsUseCase
    from coachbot.domain.forms.use_cases import SyncShippedFormsUseCase
    from coachbot.domain.people.model import Client, ClientStatus, Coach, User
    from coachbot.domain.shared.clock import SystemClock
    from coachbot.storage import migrate
    from coachbot.storage.db import create_engine, create_session_factory
    from coachbot.storage.form_templates import shipped_templates
    from coachbot.storage.tables import OutboxRow
    from coachbot.storage.uow import SqlUnitOfWork

    await migrate.upgrade(database_url)
    engine = create_engine(database_url)
    factory = create_session_factory(engine)
    clock = SystemClock()
    now = clock.now()
    await SyncShippedFormsUseCase(SqlUnitOfWork(factory), clock)(shipped_templates())
    async with SqlUnitOfWork(factory) as uow:
        coach_user = await uow.users.add(
            User(
                telegram_id=ADMIN_ID,
                first_name="Anna",
                last_name="Admin",
                username="anna",
                created_at=now,
            )
        )
        assert coach_user.id is not None
        coach = await uow.coaches.add(
            Coach(user_id=coach_user.id, display_name="Anna Admin", created_at=now)
        )
        client_ids = []
        for telegram_id in telegram_ids:
            name = client_name(telegram_id)
            user = await uow.users.add(
                User(
                    telegram_id=telegram_id,
                    first_name=name,
                    last_name="Bench",
                    created_at=now,
                    preferred_name=name,
                )
            )
            client = await uow.clients.add(
                Client(
                    coach_id=coach.id or 0,
                    display_name=f"{name} Bench",
                    status=ClientStatus.active,
                    created_at=now,
                    user_id=user.id,
                )
            )
            client_ids.append(client.id or 0)
        await uow.commit()
    for client_id in client_ids:
        await SetCheckinPlanUseCase(SqlUnitOfWork(factory), clock)(
            SetCheckinPlan(
                coach_id=coach.id, client_id=client_id, frequency="every_n_days", interval_days=7
            )
        )
    async with SqlUnitOfWork(factory) as uow:  # due a minute ago: no nudge for a day
        for client_id in client_ids:
            plan = await uow.checkins.get_plan(client_id)
            assert plan is not None
            plan.next_due_at = now - timedelta(minutes=1)
            await uow.checkins.save_plan(plan)
        await uow.commit()
    opened = 0
    while added := await OpenDueCheckinsUseCase(SqlUnitOfWork(factory), clock)():
        opened += added
    assert opened == len(client_ids), (opened, len(client_ids))
    async with factory() as session, session.begin():
        await session.execute(delete(OutboxRow))
    await engine.dispose()


# ---------------------------------------------------------------------------- measuring


@dataclass
class Sent:
    chat_id: int
    at: float  # time.monotonic(), the fake server's clock
    kind: str


@dataclass
class RunResult:
    bot: str
    run: str
    updates: int = 0
    seconds: float = 0.0
    offered: float | None = None
    latencies_ms: list[float] = field(default_factory=list)
    bot_cpu: float = 0.0  # share of one core over the run
    fake_cpu: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


class CpuMeter:
    """CPU seconds of this process and of the bot process (Linux /proc)."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def bot_seconds(self) -> float:
        try:
            fields = Path(f"/proc/{self._pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / self._tick

    def sample(self) -> tuple[float, float, float]:
        return time.monotonic(), self.bot_seconds(), time.process_time()

    @staticmethod
    def shares(start, end) -> tuple[float, float]:
        wall = end[0] - start[0]
        if wall <= 0:
            return 0.0, 0.0
        return (end[1] - start[1]) / wall, (end[2] - start[2]) / wall


class Driver:
    """Scripted clients talking to one bot through the fake; records what they sent."""

    def __init__(self, server: FakeTelegramServer, steps, *, expect_final: str | None) -> None:
        self.server = server
        self.steps = steps
        self.expect_final = expect_final
        self.sent: list[Sent] = []
        self.errors: list[str] = []

    def user(self, telegram_id: int) -> FakeUser:
        return self.server.user(telegram_id, client_name(telegram_id), last_name="Bench")

    async def act(self, user: FakeUser, kind: str, value: str) -> None:
        if kind == "photo":
            size = len(self.sent)
            self.sent.append(Sent(user.id, time.monotonic(), kind))
            await user.send_photo(PHOTO)
            assert len(self.sent) == size + 1
            return
        self.sent.append(Sent(user.id, time.monotonic(), kind))
        if kind == "text":
            await user.send_text(value)
        else:
            await user.press(value)

    async def reply(self, user: FakeUser) -> str:
        try:
            message = await user.next_bot_message(timeout=REPLY_TIMEOUT)
        except AssertionError:
            self.errors.append(f"client {user.id}: no reply within {REPLY_TIMEOUT}s")
            raise
        return message.text or ""

    async def converse(self, telegram_id: int, steps=None) -> None:
        """One client answering every question, each after the previous reply."""
        user = self.user(telegram_id)
        last = ""
        for kind, value in steps or self.steps:
            await self.act(user, kind, value)
            last = await self.reply(user)
        whole = steps is None  # a part of the check-in ends elsewhere
        if whole and self.expect_final and not last.startswith(self.expect_final):
            self.errors.append(f"client {telegram_id} ended with {last[:60]!r}")

    async def closed_loop(self, telegram_ids: Sequence[int]) -> None:
        results = await asyncio.gather(
            *(self.converse(i) for i in telegram_ids), return_exceptions=True
        )
        self.errors.extend(repr(r) for r in results if isinstance(r, BaseException))

    async def paced(
        self, telegram_ids: Sequence[int], rate: float, steps=None, measured=None
    ) -> int:
        """Offer `rate` updates/s: at each tick the next client whose reply arrived sends
        their next answer (open loop: a slow bot does not slow the sending down).
        Returns how many ticks found no client ready."""
        whole = steps is None  # a part of the check-in ends elsewhere
        steps = steps or self.steps
        users = [self.user(i) for i in telegram_ids]
        progress = dict.fromkeys(telegram_ids, 0)
        ready: deque[FakeUser] = deque(users)
        became_ready = asyncio.Event()
        pending: set[asyncio.Task] = set()
        starved = 0

        async def await_reply(user: FakeUser) -> None:
            text = await self.reply(user)
            progress[user.id] += 1
            if progress[user.id] < len(steps):
                ready.append(user)
                became_ready.set()
            elif whole and self.expect_final and not text.startswith(self.expect_final):
                self.errors.append(f"client {user.id} ended with {text[:60]!r}")

        loop = asyncio.get_running_loop()
        total = len(users) * len(steps)
        started = loop.time()
        for tick in range(total):
            delay = started + tick / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if not ready:
                starved += 1
                while not ready:
                    became_ready.clear()
                    await asyncio.wait_for(became_ready.wait(), REPLY_TIMEOUT)
            user = ready.popleft()
            kind, value = steps[progress[user.id]]
            await self.act(user, kind, value)
            task = asyncio.create_task(await_reply(user))
            pending.add(task)
            task.add_done_callback(pending.discard)
        results = await asyncio.gather(*pending, return_exceptions=True)
        self.errors.extend(repr(r) for r in results if isinstance(r, BaseException))
        return starved

    def latencies(self, since: int, *, kinds: frozenset[str] | None = None) -> list[float]:
        """ms from each update (sent after index `since`) to the first sendMessage to the
        same chat that reached the fake server after it."""
        replies: dict[int, list[float]] = {}
        for call in self.server.requests:
            if call.method == "sendMessage" and call.ok:
                replies.setdefault(int(call.params["chat_id"]), []).append(call.at)
        measured = []
        for sent in self.sent[since:]:
            if kinds is not None and sent.kind not in kinds:
                continue
            times = replies.get(sent.chat_id, [])
            index = bisect.bisect_left(times, sent.at)
            if index < len(times):
                measured.append((times[index] - sent.at) * 1000)
            else:
                self.errors.append(f"no reply recorded for an update to {sent.chat_id}")
        return measured

    def last_reply_at(self, since: int) -> float:
        chats = {s.chat_id for s in self.sent[since:]}
        return max(
            call.at
            for call in self.server.requests
            if call.method == "sendMessage" and int(call.params.get("chat_id", 0)) in chats
        )


def make_photo() -> bytes:
    """A small JPEG with some texture (a phone photo would dominate with Pillow work)."""
    from PIL import Image

    rng = random.Random(7)
    image = Image.new("RGB", (900, 1200), (180, 120, 90))
    for _ in range(40):
        x, y = rng.randrange(850), rng.randrange(1150)
        image.paste((rng.randrange(256), rng.randrange(256), 40), (x, y, x + 50, y + 50))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


PHOTO = b""


# ---------------------------------------------------------------------------- orchestration


async def spawn_bot(bot: str, server, database_url: str, folder: Path, profile: str | None):
    command = [sys.executable, __file__, "--bot", bot, "--api", server.url]
    command += ["--database", database_url, "--data-dir", str(folder / "data")]
    if profile:
        command += ["--profile", profile]
    with (folder / f"{bot}.log").open("ab") as log:
        process = await asyncio.create_subprocess_exec(*command, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while not server.calls("getUpdates"):
        if process.returncode is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the {bot} bot did not start; see {folder / f'{bot}.log'}")
        await asyncio.sleep(0.05)
    return process


async def stop_bot(process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), 20)
    except TimeoutError:
        process.kill()
        await process.wait()


async def measure(
    bot: str, args, database_url: str, folder: Path, groups: Cohorts
) -> list[RunResult]:
    server = FakeTelegramServer(token=TOKEN, bot_username=f"bench_{bot}_bot")
    await server.start()
    server.known_user(ADMIN_ID, "Anna", last_name="Admin", username="anna")
    coachbot = bot == "coachbot"
    steps = CHECKIN_STEPS if coachbot else ECHO_STEPS
    driver = Driver(server, steps, expect_final=FINAL_TEXT if coachbot else None)
    profile = args.profile if coachbot else None
    process = await spawn_bot(bot, server, database_url, folder, profile)
    cpu = CpuMeter(process.pid)
    results: list[RunResult] = []
    try:
        await driver.closed_loop(groups.warmup)
        await asyncio.sleep(0.5)

        since, before = len(driver.sent), cpu.sample()
        await driver.closed_loop(groups.max)
        after = cpu.sample()
        result = RunResult(bot, "max")
        result.updates = len(driver.sent) - since
        result.seconds = driver.last_reply_at(since) - driver.sent[since].at
        result.latencies_ms = driver.latencies(since)
        result.bot_cpu, result.fake_cpu = CpuMeter.shares(before, after)
        results.append(result)
        await asyncio.sleep(0.5)

        since, before = len(driver.sent), cpu.sample()
        starved = await driver.paced(groups.paced, args.rate)
        after = cpu.sample()
        result = RunResult(bot, f"paced {args.rate:g}/s")
        result.updates = len(driver.sent) - since
        result.seconds = driver.sent[-1].at - driver.sent[since].at
        result.offered = (result.updates - 1) / result.seconds if result.seconds else 0.0
        result.latencies_ms = driver.latencies(since)
        result.bot_cpu, result.fake_cpu = CpuMeter.shares(before, after)
        if starved:
            result.errors.append(f"{starved} ticks found no client ready")
        results.append(result)

        if coachbot and groups.photo:
            await asyncio.sleep(0.5)
            results.append(await photo_run(driver, groups.photo, cpu))
    finally:
        await stop_bot(process)
        rejected = [f"{c.method}: {c.description}" for c in server.rejected_calls]
        await server.stop()
    for result in results:
        result.errors.extend(driver.errors)
        result.errors.extend(f"refused {r}" for r in rejected[:5])
    return results


async def photo_run(driver: Driver, telegram_ids: Sequence[int], cpu: CpuMeter) -> RunResult:
    """Each client answers up to the photo question, then sends one photo (measured,
    paced at 20/s) and finishes with Done."""
    global PHOTO
    PHOTO = PHOTO or make_photo()
    await asyncio.gather(*(driver.converse(i, CHECKIN_STEPS[:-1]) for i in telegram_ids))
    since, before = len(driver.sent), cpu.sample()
    await driver.paced(telegram_ids, 20.0, steps=(("photo", ""),))
    after = cpu.sample()
    result = RunResult("coachbot", "photo 20/s")
    result.updates = len(driver.sent) - since
    result.seconds = driver.sent[-1].at - driver.sent[since].at
    result.offered = (result.updates - 1) / result.seconds if result.seconds else 0.0
    result.latencies_ms = driver.latencies(since, kinds=frozenset({"photo"}))
    result.bot_cpu, result.fake_cpu = CpuMeter.shares(before, after)
    done = [driver.user(i) for i in telegram_ids]
    await asyncio.gather(*(finish_photos(driver, user) for user in done))
    return result


async def finish_photos(driver: Driver, user: FakeUser) -> None:
    try:
        await driver.act(user, "press", "✅ Done")
        await driver.reply(user)
    except AssertionError as error:  # a different label: report, the row is informative
        driver.errors.append(f"client {user.id}: {str(error).splitlines()[0]}")


def report(results: list[RunResult], args) -> bool:
    by = {(r.bot, r.run.split()[0]): r for r in results}
    echo_max, bot_max = by[("echo", "max")], by[("coachbot", "max")]
    ratio = bot_max.rate / echo_max.rate if echo_max.rate else 0.0
    bot_paced = by[("coachbot", "paced")]
    p99 = bot_paced.percentile(99)
    print(
        f"check-in throughput: {args.clients} clients x {len(CHECKIN_STEPS)} updates (max), "
        f"{args.paced_clients} clients at {args.rate:g} updates/s (paced); "
        f"fake Bot API + clients in one process, each bot in its own"
    )
    header = (
        f"{'bot':9} {'run':13} {'updates':>7} {'upd/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>7} {'bot CPU':>7} {'fake CPU':>8}"
    )
    print(header)
    for r in results:
        rate = f"{r.rate:.0f}" if r.offered is None else f"{r.offered:.0f}*"
        print(
            f"{r.bot:9} {r.run:13} {r.updates:>7} {rate:>8} {r.percentile(50):>7.1f} "
            f"{r.percentile(95):>7.1f} {r.percentile(99):>7.1f} "
            f"{max(r.latencies_ms, default=float('nan')):>7.1f} "
            f"{r.bot_cpu:>7.0%} {r.fake_cpu:>8.0%}"
        )
    print("(* offered rate; CPU: share of one core during the run)")
    errors = sorted({e for r in results for e in r.errors})
    for error in errors[:10]:
        print(f"  ! {error}")
    ratio_ok = ratio >= TARGET_RATIO and not errors
    p99_ok = p99 <= TARGET_P99_MS and not errors
    print(
        f"coachbot / echo max throughput: {ratio:.0%} "
        f"(target >= {TARGET_RATIO:.0%}) {'ok' if ratio_ok else 'MISSED'}"
    )
    print(
        f"coachbot p99 at {args.rate:g} updates/s: {p99:.1f} ms "
        f"(target <= {TARGET_P99_MS:g} ms) {'ok' if p99_ok else 'MISSED'}"
    )
    return ratio_ok and p99_ok


async def main(args: argparse.Namespace) -> bool:
    groups = cohorts(args)
    folder = Path(tempfile.mkdtemp(prefix="checkin-bench-"))
    try:
        database_url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
        started = time.monotonic()
        await seed(database_url, groups.warmup + groups.max + groups.paced + groups.photo)
        seeded = time.monotonic() - started
        results = await measure("echo", args, database_url, folder, groups)
        results += await measure("coachbot", args, database_url, folder, groups)
        ok = report(results, args)
        print(f"(seeding {seeded:.1f} s, total {time.monotonic() - started:.1f} s)")
        return ok
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


def run_baseline(revision: str, argv: list[str]) -> None:
    """The same bench, from REV's tree, in this run: before/after on the same machine."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="checkin-bench-baseline-") as tree:
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", revision], check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", tree], input=archive.stdout, check=True)
        print(f"\n== baseline: {revision}")
        sys.stdout.flush()
        environment = {**os.environ, "PYTHONPATH": tree}
        subprocess.run(
            [sys.executable, str(Path(tree) / "bench" / "checkin_throughput.py"), *argv],
            env=environment,
            cwd=tree,
            check=False,
        )


def _without_baseline(argv: list[str]) -> list[str]:
    kept, skip = [], False
    for item in argv:
        if skip:
            skip = False
        elif item == "--baseline":
            skip = True
        elif not item.startswith("--baseline="):
            kept.append(item)
    return kept


if __name__ == "__main__":
    arguments = parse_arguments()
    if arguments.bot:
        bot_main(arguments)
    else:
        ok = asyncio.run(main(arguments))
        if arguments.baseline:
            run_baseline(arguments.baseline, _without_baseline(sys.argv[1:]))
        sys.exit(0 if ok else 1)
