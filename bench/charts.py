"""Chart benchmark: a client's weight chart, cold and from the cache.

Median times, in one run, on 90 days of weights (about 55 entries) with a goal:
  bare      a bare matplotlib line chart of the same points: Figure, plot, savefig PNG
            with matplotlib's defaults (640x480)
  cold      MatplotlibChartRenderer.metric_chart: entries, 7-day average, goal line,
            target date, projection, legend, Babel dates, 1080x900 palette PNG
  cached    /progress answered from the chart cache: ShowProgressUseCase on SQLite
            (client, entries, goals and cohort read, cache key, in-memory cache hit)
  lookup    the cache step alone: the key from the entries and the drawn options,
            and the in-memory cache hit
bare and cold run turn about, so a busy machine slows both alike.
Targets: cold not slower than bare; cached <= 2 ms.

Then the event loop while --lag-charts charts are asked for at once (issue 17): a ticker
on the loop stands in for the bot's updates: every 5 ms it does 1 ms of Python (an
update's handling). It records how late each tick wakes (max, p99), how many updates'
worth of work the loop got done per second, and the wall time of the batch; then, without
the ticker, the CPU time this process spends per chart (all its threads: the time
drawing holds its GIL, whatever else runs on the machine), with the charts drawn
  idle      nowhere: the ticker alone for as long as the thread batch took (noise floor)
  thread    in threads of this process (`InThreadChartRenderer`, what the bot did)
  pool N    in N render processes (`PooledChartRenderer`, started and warm)
median over --lag-rounds rounds run turn about. Targets, the thread row the baseline:
with the pool this process spends under 5 % of the thread's CPU per chart (drawing no
longer holds its GIL), and the loop's max lag stays below one chart's drawing (cold).
Lag and work/s also count the machine's other load: on a busy box the render
processes and the loop compete for cores (shown, not targeted).

    python bench/charts.py [--rounds 15] [--database-url postgresql+asyncpg://...]
                           [--redis-url redis://127.0.0.1:6379/1]
                           [--lag-charts 20] [--lag-rounds 3]

The cached case runs on a scratch SQLite file, or on the (empty, scratch) database
given with --database-url.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from redis.asyncio import Redis

from coachbot.domain.checkins.model import MetricEntry
from coachbot.domain.forms.units import Metric, UnitSystem
from coachbot.domain.goals.model import Goal, GoalCategory
from coachbot.domain.people.model import Client, ClientStatus, Coach, User
from coachbot.domain.progress.metrics import builtin_definition
from coachbot.domain.progress.pictures import (
    ShowProgress,
    ShowProgressUseCase,
    build_series,
    chart_key,
)
from coachbot.domain.progress.ports import ChartRenderer
from coachbot.domain.progress.views import MetricChart, Viewpoint
from coachbot.reports.cache import KEY_PREFIX, MemoryChartCache, RedisChartCache
from coachbot.reports.charts import MatplotlibChartRenderer
from coachbot.reports.render_pool import InThreadChartRenderer, PooledChartRenderer, RenderPool
from coachbot.storage import migrate
from coachbot.storage.db import create_engine, create_session_factory
from coachbot.storage.uow import SqlUnitOfWork

NOW = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
CACHED_TARGET_MS = 2.0
TICK_SECONDS = 0.005
TICK_WORK_SECONDS = 0.001
CPU_SHARE_TARGET = 0.05


class Clock:
    def now(self) -> datetime:
        return NOW


def weights() -> list[tuple[datetime, float]]:
    rng = random.Random(7)
    start = NOW - timedelta(days=90)
    return [
        (
            start + timedelta(days=day, minutes=rng.randrange(120)),
            84 - 0.07 * day + rng.gauss(0, 0.4),
        )
        for day in range(90)
        if rng.random() < 0.6
    ]


def bare(points: list[tuple[datetime, float]]) -> bytes:
    figure = Figure()
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot([t for t, _ in points], [v for _, v in points])
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def interleaved_ms(
    first: Callable[[], object], second: Callable[[], object], rounds: int
) -> tuple[float, float]:
    """Median times of two pieces of work run turn about, so that a busy machine slows
    both alike (this box is shared)."""
    first(), second()  # warm up: fonts, caches
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for work, kept in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            work()
            kept.append(time.perf_counter() - started)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000


async def amedian_ms(work: Callable[[], object], rounds: int) -> float:
    await work()  # type: ignore[misc]
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        await work()  # type: ignore[misc]
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


@dataclass
class Lag:
    max_ms: float
    p99_ms: float
    wall_s: float
    work_per_s: float  # ticks (1 ms of Python each) done per second
    cpu_ms: float = 0.0  # this process's CPU time per chart, without the ticker


async def lag_while(work: Callable[[], Awaitable[object]]) -> Lag:
    """How late a 5 ms ticker on this event loop wakes while `work` runs."""
    loop = asyncio.get_running_loop()
    late: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            due = loop.time() + TICK_SECONDS
            await asyncio.sleep(TICK_SECONDS)
            late.append((loop.time() - due) * 1000)
            busy_until = time.perf_counter() + TICK_WORK_SECONDS
            while time.perf_counter() < busy_until:  # an update's handling: pure Python
                pass

    task = asyncio.create_task(ticker())
    await asyncio.sleep(TICK_SECONDS * 4)
    late.clear()
    started = time.perf_counter()
    await work()
    wall = time.perf_counter() - started
    done.set()
    await task
    ordered = sorted(late) or [0.0]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return Lag(ordered[-1], p99, wall, len(late) / wall)


async def lag_rows(chart: MetricChart, count: int, rounds: int) -> dict[str, Lag]:
    """Each renderer asked for `count` charts at once, rounds turn about; medians."""
    threads = InThreadChartRenderer(MatplotlibChartRenderer())
    pools = [RenderPool(n, "en") for n in (1, 2)]
    renderers: dict[str, ChartRenderer] = {"thread": threads}
    renderers |= {f"pool {p.processes}": PooledChartRenderer(p) for p in pools}
    try:
        for renderer in renderers.values():  # started and warm: fonts, figures
            await asyncio.gather(*(renderer.metric_chart(chart) for _ in range(4)))
        found: dict[str, list[Lag]] = {name: [] for name in ["idle", *renderers]}
        for _ in range(rounds):
            for name, renderer in renderers.items():

                async def batch(renderer: ChartRenderer = renderer) -> None:
                    await asyncio.gather(*(renderer.metric_chart(chart) for _ in range(count)))

                lag = await lag_while(batch)
                cpu = time.process_time()
                await batch()
                lag.cpu_ms = (time.process_time() - cpu) * 1000 / count
                found[name].append(lag)
            idle_for = found["thread"][-1].wall_s
            found["idle"].append(await lag_while(lambda s=idle_for: asyncio.sleep(s)))
    finally:
        for pool in pools:
            await pool.close()
    return {
        name: Lag(
            statistics.median(lag.max_ms for lag in lags),
            statistics.median(lag.p99_ms for lag in lags),
            statistics.median(lag.wall_s for lag in lags),
            statistics.median(lag.work_per_s for lag in lags),
            statistics.median(lag.cpu_ms for lag in lags),
        )
        for name, lags in found.items()
    }


async def seeded(url: str, points: list[tuple[datetime, float]]) -> tuple[object, int]:
    await migrate.upgrade(url)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    async with SqlUnitOfWork(factory) as uow:
        coach_user = await uow.users.add(User(telegram_id=1, first_name="Anna", created_at=NOW))
        coach = await uow.coaches.add(
            Coach(user_id=coach_user.id or 0, display_name="Anna", created_at=NOW)
        )
        user = await uow.users.add(
            User(telegram_id=2, first_name="Cleo", created_at=NOW, timezone="Europe/Berlin")
        )
        client = await uow.clients.add(
            Client(
                coach_id=coach.id or 0,
                display_name="Cleo",
                status=ClientStatus.active,
                created_at=NOW,
                user_id=user.id,
            )
        )
        for moment, value in points:
            await uow.metrics.add(
                MetricEntry(client.id or 0, "weight", value, moment, moment, "log")
            )
        await uow.goals.add(
            Goal(
                client_id=client.id or 0,
                category=GoalCategory.weight,
                created_at=points[0][0],
                metric="weight",
                target_value=76.0,
                target_date=date(2026, 6, 30),
                start_value=84,
            )
        )
        await uow.commit()
    return (engine, factory), user.id or 0


async def run(
    rounds: int,
    database_url: str | None,
    redis_url: str | None,
    lag_charts: int = 20,
    lag_rounds: int = 3,
) -> int:
    points = weights()
    renderer = MatplotlibChartRenderer()
    entries = [MetricEntry(1, "weight", v, t, t, "log", id=i) for i, (t, v) in enumerate(points)]
    goal = Goal(
        client_id=1,
        category=GoalCategory.weight,
        created_at=points[0][0],
        metric="weight",
        target_value=76.0,
        target_date=date(2026, 6, 30),
        start_value=84,
    )
    view = Viewpoint("en", UnitSystem.metric, "Europe/Berlin")
    chart = MetricChart(
        build_series(entries, builtin_definition(Metric.weight), goal, NOW), view, NOW.date()
    )

    bare_ms, cold_ms = interleaved_ms(
        lambda: bare(points), lambda: renderer.metric_chart(chart), rounds
    )
    bare_png, cold_png = bare(points), renderer.metric_chart(chart)

    cache = MemoryChartCache()
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        (engine, factory), user_id = await seeded(url, points)
        show = ShowProgressUseCase(
            SqlUnitOfWork(factory), Clock(), InThreadChartRenderer(renderer), cache
        )
        command = ShowProgress(user_id=user_id)
        first = await show(command)
        assert not first.cached
        cached_ms = await amedian_ms(lambda: show(command), rounds * 4)
        assert (await show(command)).cached
        await engine.dispose()

    async def lookup() -> None:
        key = chart_key(1, "weight", entries, (goal, view, chart.today))
        await cache.get(key)

    await cache.put(chart_key(1, "weight", entries, (goal, view, chart.today)), cold_png)
    lookup_ms = await amedian_ms(lookup, rounds * 20)
    redis_ms = None
    if redis_url:
        redis = Redis.from_url(redis_url)
        shared = RedisChartCache(redis, ttl_seconds=60)
        key = chart_key(1, "weight", entries, (goal, view, chart.today))
        await shared.put(key, cold_png)

        async def redis_lookup() -> None:
            await shared.get(chart_key(1, "weight", entries, (goal, view, chart.today)))

        redis_ms = await amedian_ms(redis_lookup, rounds * 20)
        await redis.delete(KEY_PREFIX + key)
        await redis.aclose()

    lags = await lag_rows(chart, lag_charts, lag_rounds) if lag_charts else {}

    where = "PostgreSQL" if database_url else "SQLite"
    print(f"charts: {len(points)} weights over 90 days, median of {rounds} rounds, {where}")
    print(f"{'case':8} {'median ms':>10} {'picture':>10} {'bytes':>8}")
    print(f"{'bare':8} {bare_ms:>10.1f} {'640x480':>10} {len(bare_png):>8}")
    print(f"{'cold':8} {cold_ms:>10.1f} {'1080x900':>10} {len(cold_png):>8}")
    print(f"{'cached':8} {cached_ms:>10.2f} {'1080x900':>10} {len(cold_png):>8}")
    print(f"{'lookup':8} {lookup_ms:>10.3f} {'memory':>10} {'':>8}")
    if redis_ms is not None:
        print(f"{'lookup':8} {redis_ms:>10.3f} {'Redis':>10} {'':>8}")
    cold_ok, cached_ok = cold_ms <= bare_ms, cached_ms <= CACHED_TARGET_MS
    print(f"cold/bare: {cold_ms / bare_ms:.2f} (target <= 1) {'ok' if cold_ok else 'MISSED'}")
    print(
        f"cached: {cached_ms:.2f} ms (target <= {CACHED_TARGET_MS} ms) "
        f"{'ok' if cached_ok else 'MISSED'}"
    )
    lag_ok = True
    if lags:
        print(
            f"event loop while {lag_charts} charts are asked for at once "
            f"(5 ms ticker, median of {lag_rounds} rounds)"
        )
        idle = lags["idle"].work_per_s
        print(
            f"{'drawn in':8} {'max lag ms':>10} {'p99 lag ms':>10} {'work/s':>7} "
            f"{'of idle':>7} {'wall s':>7} {'CPU ms/chart':>12}"
        )
        for name, lag in lags.items():
            cpu = f"{lag.cpu_ms:>12.1f}" if name != "idle" else f"{'':>12}"
            print(
                f"{name:8} {lag.max_ms:>10.1f} {lag.p99_ms:>10.1f} {lag.work_per_s:>7.0f} "
                f"{lag.work_per_s / idle:>7.0%} {lag.wall_s:>7.2f} {cpu}"
            )
        pool, thread = lags["pool 1"], lags["thread"]
        share = pool.cpu_ms / thread.cpu_ms if thread.cpu_ms else float("inf")
        lag_ok = share < CPU_SHARE_TARGET and pool.max_ms < cold_ms
        print(
            f"pool 1: {pool.cpu_ms:.1f} ms of this process's CPU per chart, "
            f"{share:.1%} of the thread's {thread.cpu_ms:.1f} (target < "
            f"{CPU_SHARE_TARGET:.0%}); max lag {pool.max_ms:.1f} ms (thread "
            f"{thread.max_ms:.1f} ms; target < one chart's drawing, {cold_ms:.0f} ms) "
            f"{'ok' if lag_ok else 'MISSED'}"
        )
    return 0 if cold_ok and cached_ok and lag_ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--lag-charts", type=int, default=20, help="0: no event-loop rows")
    parser.add_argument("--lag-rounds", type=int, default=3)
    args = parser.parse_args()
    return asyncio.run(
        run(args.rounds, args.database_url, args.redis_url, args.lag_charts, args.lag_rounds)
    )


if __name__ == "__main__":
    sys.exit(main())
