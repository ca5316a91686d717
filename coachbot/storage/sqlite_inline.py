"""SQLite for the async engine without a thread per connection.

aiosqlite runs every call (cursor, execute, fetch, close, commit) in a thread of its own
and hands the result back through the event loop: four thread hops per statement. A
statement on a local WAL database takes microseconds; the hops cost far more, and under
load they queue behind the GIL, so a bot spent most of each update waiting for them.

These classes give SQLAlchemy's aiosqlite dialect the driver interface it expects, but
run each call at once on the event loop's thread. A process holds one SQLite connection
(see `db.py`: other coroutines queue for it in the pool), so a call only waits for the
file lock when another connection writes: another process, or another engine in this
one. That wait must not block the loop (the lock holder may be a coroutine of this very
loop), so SQLite's own busy handler is off and a statement that finds the database
locked outside a transaction (BEGIN IMMEDIATE, where every transaction takes the lock)
is retried after an asyncio sleep, until the busy timeout. Inside a transaction the
lock is already ours, and WAL readers do not block writers.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable
from typing import Any

FIRST_RETRY_SECONDS = 0.001
LONGEST_RETRY_SECONDS = 0.05


class InlineCursor:
    """The awaitable cursor aiosqlite has, doing the work when called."""

    def __init__(self, cursor: sqlite3.Cursor, busy_timeout: float) -> None:
        self._cursor = cursor
        self._busy_timeout = busy_timeout

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        if self._cursor.connection.in_transaction:
            self._cursor.execute(sql, parameters)
            return self
        deadline = time.monotonic() + self._busy_timeout
        pause = FIRST_RETRY_SECONDS
        while True:
            try:
                self._cursor.execute(sql, parameters)
                return self
            except sqlite3.OperationalError as error:
                if not _is_locked(error) or time.monotonic() + pause > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_RETRY_SECONDS)

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _RunNow:
    """SQLAlchemy sets `isolation_level` by queueing a function on aiosqlite's worker
    (`_tx.put_nowait((future, function))`): run it here instead."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:
            if future is not None:
                future.set_exception(error)
            return
        if future is not None:
            future.set_result(result)


def _is_locked(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class InlineConnection:
    """The parts of `aiosqlite.Connection` that SQLAlchemy's dialect uses."""

    _tx = _RunNow()

    def __init__(self, connection: sqlite3.Connection, busy_timeout: float) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection
        self._busy_timeout = busy_timeout

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._conn.isolation_level = value  # type: ignore[assignment]  # sqlite3 checks it

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor(), self._busy_timeout)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def inline_connector(database: str, *, timeout: float, uri: bool = False) -> Callable[[], Any]:
    """An `async_creator` for `create_async_engine` opening `database` (a path or URI);
    `timeout` is how long a statement waits for another connection's lock."""

    async def connect() -> InlineConnection:
        # timeout=0: SQLite's busy handler would sleep on the loop's thread (see above).
        # check_same_thread=False: the pool may close a connection from a finalizer.
        connection = sqlite3.connect(database, timeout=0, uri=uri, check_same_thread=False)
        return InlineConnection(connection, timeout)

    return connect
