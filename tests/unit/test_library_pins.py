"""Pins for the two places that lean on a library's internals (kept because a bench shows
they matter). A library upgrade that changes what they rely on fails here, not in
production."""

from __future__ import annotations

import threading

import pytest
from aiogram import Dispatcher, Router
from sqlalchemy import text

from coachbot.bot.app import detach_routers
from coachbot.storage.db import create_engine
from coachbot.storage.sqlite_inline import InlineConnection


def test_a_router_joins_another_dispatcher_only_once_detached():
    """Feature routers are module-level: a restarted bot in the same process (the tests,
    the sandbox) includes them again. aiogram keeps the parent in `_parent_router`."""
    router = Router()
    first = Dispatcher()
    first.include_router(router)
    with pytest.raises(RuntimeError):  # aiogram's rule: one parent per router
        Dispatcher().include_router(router)
    detach_routers(first)
    Dispatcher().include_router(router)
    assert router.parent_router is not None


async def test_sqlite_statements_run_on_the_event_loops_thread(tmp_path):
    """SQLAlchemy's aiosqlite dialect drives our inline connection (it queues the
    isolation level on `_tx`, which runs it at once) and no worker thread is started."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'pin.sqlite3'}")
    threads_before = threading.active_count()
    try:
        async with engine.begin() as connection:
            raw = await connection.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)
            assert (await connection.execute(text("select 41 + 1"))).scalar() == 42
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="SERIALIZABLE")
            assert (await connection.execute(text("select 1"))).scalar() == 1
    finally:
        await engine.dispose()
    assert threading.active_count() == threads_before


async def test_redis_is_spoken_in_resp2():
    """See `connect_redis`: the lock release that failed twice in CI did so over RESP3."""
    from coachbot.container import connect_redis

    client = connect_redis("redis://127.0.0.1:6379/0")
    try:
        assert client.connection_pool.connection_kwargs["protocol"] == 2
    finally:
        await client.aclose()
