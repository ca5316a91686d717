"""Database faults: which errors mean "out of reach for now", and the start-up check.

A connection-level error (the server restarting, refusing or dropping connections, SQLite
busy past its timeout) is worth retrying: the same statement may well work seconds later.
Integrity, programming and data errors are not: they would fail the same way again.
"""

from __future__ import annotations

import asyncio
import sqlite3

from asyncpg import exceptions as asyncpg_errors  # type: ignore[import-untyped]
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.retry import Backoff, Retrier, Sleep, describe, real_sleep
from coachbot.storage.db import create_engine, is_sqlite

CONNECT_TIMEOUT_SECONDS = 10.0  # one start-up attempt; asyncpg's own default is 60 s

_ASYNCPG_CONNECTION_ERRORS = (
    asyncpg_errors.PostgresConnectionError,  # class 08: connection failure, does not exist
    asyncpg_errors.CannotConnectNowError,  # 57P03: the server is starting up
    asyncpg_errors.AdminShutdownError,  # 57P01: terminated by a shutdown or restart
    asyncpg_errors.CrashShutdownError,  # 57P02
    asyncpg_errors.TooManyConnectionsError,  # 53300
)


def is_connection_error(error: BaseException) -> bool:
    """True for errors that say the database could not be reached or dropped us."""
    return any(_is_connection_level(cause) for cause in _causes(error))


def _is_connection_level(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sqlite3.OperationalError):
        return "database is locked" in str(error)
    # Connecting (refused, reset, unreachable, timed out) fails with OSError itself.
    return isinstance(error, (OSError, *_ASYNCPG_CONNECTION_ERRORS))


def _causes(error: BaseException) -> list[BaseException]:
    """The error, the DBAPI error SQLAlchemy wraps, and what they were raised from."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending and len(seen) < 10:
        current = pending.pop()
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        orig = getattr(current, "orig", None)
        pending += [orig if isinstance(orig, BaseException) else None]
        pending += [current.__cause__, current.__context__]
    return seen


class DatabaseUnreachable(Exception):
    """The database of DATABASE_URL could not be used at start-up; str() is one line."""

    def __init__(self, url: str, where: str, reason: str, tried_seconds: float = 0.0) -> None:
        self.url = url  # password masked
        self.where = where  # host and port, or the SQLite file
        self.reason = reason
        self.tried_seconds = tried_seconds
        super().__init__(str(self))

    def __str__(self) -> str:
        tried = f" (tried for {self.tried_seconds:.0f} s)" if self.tried_seconds >= 1 else ""
        return (
            f"Cannot reach the database DATABASE_URL={self.url} at {self.where}{tried}: "
            f"{self.reason}"
        )


def masked_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a valid database URL)"


def _where(url: str) -> str:
    try:
        parsed: URL = make_url(url)
    except ArgumentError:
        return "an unknown place"
    if is_sqlite(url):
        return f"the SQLite file {parsed.database or ':memory:'}"
    port = parsed.port or 5432
    return f"host {parsed.host or 'localhost'}, port {port}"


def _reason(error: BaseException) -> str:
    """What the driver or the operating system said, under SQLAlchemy's wrapping."""
    for cause in _causes(error):
        if isinstance(cause, asyncpg_errors.PostgresError | OSError | sqlite3.Error):
            return describe(cause)
    return describe(error)


async def _connect_once(url: str) -> None:
    engine = create_engine(url)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


async def wait_for_database(
    url: str, *, retry_seconds: float, clock: Clock, sleep: Sleep = real_sleep
) -> None:
    """Connect once; while the error is connection-level, retry for `retry_seconds`
    (a supervisor may start the bot before the database). Raises DatabaseUnreachable."""
    started = clock.now()
    retrier = Retrier(is_connection_error, Backoff(within=retry_seconds), clock, sleep)
    try:
        await retrier(lambda: _connect_once(url), what="Connecting to the database")
    except Exception as error:  # every failure becomes the one line the CLI prints
        raise DatabaseUnreachable(
            masked_url(url),
            _where(url),
            _reason(error),
            (clock.now() - started).total_seconds(),
        ) from error
