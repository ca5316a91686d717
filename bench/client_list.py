"""Client list benchmark: one page of a coach's 10,000 clients, per tap.

Median times, in one run, of ListClientsUseCase (one unit of work: the status counts,
the count of a search's matches, and the page read by keyset in SQL) against the old
path, kept here as it was: every client of the coach read and mapped, then filtered,
sorted and sliced in Python. Cases, turn about:
  first     /clients: the first page, all statuses
  next      ▶ from the middle of the list (about page 600 of 1,250)
  previous  ◀ from there
  status    the first page of one status (Paused), then ▶
  search    a search ("#online 7"), then ▶
Target: every case <= 20 ms per page.

    python bench/client_list.py [--clients 10000] [--rounds 9]
                                [--database-url postgresql+asyncpg://...]

Runs on a scratch SQLite file, or on the (empty, scratch) database given.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from coachbot.domain.people.clients import (
    PAGE_SIZE,
    ClientPage,
    ListClients,
    ListClientsUseCase,
)
from coachbot.domain.people.model import (
    STATUS_ORDER,
    Client,
    ClientFilter,
    ClientStatus,
    Coach,
    User,
)
from coachbot.domain.shared.ports import UnitOfWorkFactory
from coachbot.storage import migrate
from coachbot.storage.db import create_engine, create_session_factory
from coachbot.storage.uow import SqlUnitOfWork

NOW = datetime(2026, 3, 1, tzinfo=UTC)
TARGET_MS = 20.0
STATUSES = [ClientStatus.active] * 6 + [
    ClientStatus.paused,
    ClientStatus.invited,
    ClientStatus.onboarding,
    ClientStatus.archived,
]
FIRST = ("Anna", "Ben", "Cleo", "Dana", "Émile", "Finn", "Greta", "Hugo", "Ida", "Jonas")


async def seed(url: str, count: int) -> tuple[object, UnitOfWorkFactory, int]:
    await migrate.upgrade(url)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    uow = SqlUnitOfWork(factory)
    rng = random.Random(3)
    async with uow:
        user = await uow.users.add(User(telegram_id=1, first_name="Ada", created_at=NOW))
        coach = await uow.coaches.add(
            Coach(user_id=user.id or 0, display_name="Ada", created_at=NOW)
        )
        for number in range(count):
            await uow.clients.add(
                Client(
                    coach_id=coach.id or 0,
                    display_name=f"{rng.choice(FIRST)} {number:05d}",
                    status=rng.choice(STATUSES),
                    created_at=NOW,
                    email=f"client{number}@example.org",
                    notes="prefers mornings" if number % 3 else "",
                    tags=["online"] if number % 2 else ["studio"],
                )
            )
        await uow.commit()
    return engine, uow, coach.id or 0


class OldListClients:
    """The list as it was read before (kept here as the baseline): every client of the
    coach, counted, filtered, sorted and sliced in Python."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, coach_id: int, search: str, status, page: int) -> ClientPage:
        async with self._uow() as uow:
            clients = await uow.clients.list_for_coach(coach_id)
        counts = {s: 0 for s in ClientStatus}
        for client in clients:
            counts[client.status] += 1
        which = ClientFilter.of(search, status)
        matching = sorted(
            (c for c in clients if which.matches(c)),
            key=lambda c: (STATUS_ORDER.index(c.status), c.display_name.casefold()),
        )
        pages = max(1, -(-len(matching) // PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        shown = matching[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        return ClientPage(shown, len(matching), page, pages, counts)


async def median_ms(work: Callable[[], Awaitable[object]], rounds: int) -> float:
    await work()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def run(count: int, rounds: int, database_url: str | None) -> int:
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        started = time.perf_counter()
        engine, uow, coach_id = await seed(url, count)
        seeded = time.perf_counter() - started
        new, old = ListClientsUseCase(uow), OldListClients(uow)
        first = await new(ListClients(coach_id=coach_id))
        middle_page = first.pages // 2
        # find the middle page's neighbours by walking there once
        walk = first
        while walk.page < middle_page:
            walk = await new(
                ListClients(coach_id=coach_id, page=walk.page + 1, after=walk.cursor(last=True))
            )
        middle = walk
        paused = await new(ListClients(coach_id=coach_id, status=ClientStatus.paused))
        search = "#online 7"
        found = await new(ListClients(coach_id=coach_id, search=search))
        cases: list[tuple[str, Callable, Callable]] = [
            (
                "first",
                lambda: new(ListClients(coach_id=coach_id)),
                lambda: old(coach_id, "", None, 0),
            ),
            (
                "next",
                lambda: new(
                    ListClients(
                        coach_id=coach_id, page=middle.page + 1, after=middle.cursor(last=True)
                    )
                ),
                lambda: old(coach_id, "", None, middle.page + 1),
            ),
            (
                "previous",
                lambda: new(
                    ListClients(
                        coach_id=coach_id, page=middle.page - 1, before=middle.cursor(last=False)
                    )
                ),
                lambda: old(coach_id, "", None, middle.page - 1),
            ),
            (
                "status",
                lambda: new(
                    ListClients(
                        coach_id=coach_id,
                        status=ClientStatus.paused,
                        page=1,
                        after=paused.cursor(last=True),
                    )
                ),
                lambda: old(coach_id, "", ClientStatus.paused, 1),
            ),
            (
                "search",
                lambda: new(
                    ListClients(
                        coach_id=coach_id, search=search, page=1, after=found.cursor(last=True)
                    )
                ),
                lambda: old(coach_id, search, None, 1),
            ),
        ]
        results = []
        for name, fresh, before in cases:
            same_clients = [c.id for c in (await fresh()).clients] == [
                c.id for c in (await before()).clients
            ]
            assert same_clients, f"{name}: the new page shows other clients than the old"
            new_ms: list[float] = []
            old_ms: list[float] = []
            for _ in range(rounds):  # turn about, so a busy machine slows both alike
                new_ms.append(await median_ms(fresh, 1))
                old_ms.append(await median_ms(before, 1))
            results.append(
                (name, statistics.median(old_ms), statistics.median(new_ms), min(new_ms))
            )
        await engine.dispose()  # type: ignore[attr-defined]
    where = "PostgreSQL" if database_url else "SQLite"
    print(
        f"client list: {count} clients of one coach, {first.pages} pages of {PAGE_SIZE}, "
        f"{where}, median of {rounds} rounds (seeded in {seeded:.0f} s)"
    )
    print(f"{'case':9} {'old ms':>9} {'new ms':>9} {'new best':>9} {'target':>9}")
    ok = True
    for name, before_ms, after_ms, best_ms in results:
        met = after_ms <= TARGET_MS
        ok = ok and met
        print(
            f"{name:9} {before_ms:>9.1f} {after_ms:>9.2f} {best_ms:>9.2f} {'<= 20':>9} "
            f"{'ok' if met else 'MISSED'}"
        )
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    return asyncio.run(run(args.clients, args.rounds, args.database_url))


if __name__ == "__main__":
    sys.exit(main())
