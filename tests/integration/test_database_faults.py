"""Which database errors count as "out of reach for now", and the start-up check."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from coachbot.domain.shared.ports import UpdateClaim
from coachbot.storage import faults
from coachbot.storage.db import create_engine
from coachbot.storage.faults import DatabaseUnreachable, is_connection_error, wait_for_database
from coachbot.storage.repositories import SqlUpdateLedger
from tests.e2e.test_webhook import free_port
from tests.fakes.clock import FakeClock


def closed_port_url() -> str:
    return f"postgresql+asyncpg://coach:s3cret@127.0.0.1:{free_port()}/coachbot"


async def test_a_refused_connection_is_out_of_reach():
    engine = create_engine(closed_port_url())
    try:
        with pytest.raises(Exception) as raised:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    assert is_connection_error(raised.value)


@pytest.mark.postgres
async def test_a_connection_the_server_dropped_is_out_of_reach(postgres_schema_url):
    engine = create_engine(postgres_schema_url)
    try:
        async with engine.connect() as connection:
            pid = await connection.scalar(text("SELECT pg_backend_pid()"))
            async with engine.connect() as other:
                await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(Exception) as raised:
                await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    assert is_connection_error(raised.value)


async def test_a_constraint_violation_is_not_out_of_reach(session_factory, clock):
    ledger = SqlUpdateLedger(session_factory)
    assert await ledger.claim(1, now=clock.now(), lease_seconds=60) is UpdateClaim.claimed
    with pytest.raises(IntegrityError) as raised:
        async with session_factory() as session, session.begin():
            await session.execute(
                text("INSERT INTO processed_updates (update_id, claimed_at) VALUES (1, :at)"),
                {"at": clock.now()},
            )
    assert not is_connection_error(raised.value)


def test_a_busy_sqlite_database_is_out_of_reach_but_a_bad_statement_is_not():
    locked = OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))
    no_table = OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))
    syntax = ProgrammingError("SELEC", {}, sqlite3.ProgrammingError("syntax error"))
    assert is_connection_error(locked)
    assert not is_connection_error(no_table)
    assert not is_connection_error(syntax)


def waits(clock: FakeClock, into: list[float]):
    async def sleep(seconds: float) -> None:
        into.append(seconds)
        clock.advance(seconds=seconds)

    return sleep


async def test_start_up_keeps_trying_an_unreachable_database_for_the_configured_time(clock):
    waited: list[float] = []
    url = closed_port_url()
    with pytest.raises(DatabaseUnreachable) as raised:
        await wait_for_database(url, retry_seconds=20, clock=clock, sleep=waits(clock, waited))
    assert 15 < sum(waited) <= 20
    line = str(raised.value)
    assert "\n" not in line
    assert line.startswith("Cannot reach the database DATABASE_URL=postgresql+asyncpg://coach:***@")
    assert "s3cret" not in line and "(tried for " in line and "Connect call failed" in line


async def test_start_up_goes_on_once_the_database_answers(clock, sqlite_url, monkeypatch):
    attempts = 0
    connect = faults._connect_once

    async def refused_twice(url: str) -> None:
        nonlocal attempts
        attempts += 1
        if attempts <= 2:
            raise ConnectionRefusedError(111, "Connection refused")
        await connect(url)

    monkeypatch.setattr(faults, "_connect_once", refused_twice)
    waited: list[float] = []
    await wait_for_database(sqlite_url, retry_seconds=10, clock=clock, sleep=waits(clock, waited))
    assert attempts == 3 and waited == [0.5, 1.0]


@pytest.mark.postgres
async def test_a_wrong_database_is_reported_at_once_not_retried(clock, postgres_server_url):
    from sqlalchemy.engine import make_url

    url = make_url(postgres_server_url).set(database="no_such_database_here")
    waited: list[float] = []
    with pytest.raises(DatabaseUnreachable) as raised:
        await wait_for_database(
            url.render_as_string(hide_password=False),
            retry_seconds=20,
            clock=clock,
            sleep=waits(clock, waited),
        )
    assert waited == []
    assert 'database "no_such_database_here" does not exist' in str(raised.value)
