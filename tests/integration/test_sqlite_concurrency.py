"""SQLite as the embedded default must take many concurrent writers without
"database is locked": WAL, a busy timeout and BEGIN IMMEDIATE (storage/db.py)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from coachbot.domain.people.model import User
from coachbot.domain.shared.audit import AuditEntry
from coachbot.storage.db import create_engine, create_session_factory
from coachbot.storage.uow import SqlUnitOfWork

WRITERS = 50


async def test_fifty_concurrent_read_then_write_transactions_all_succeed(sqlite_url, clock):
    engine = create_engine(sqlite_url)
    factory = create_session_factory(engine)

    async def writer(number: int) -> None:
        # Read, then write, in one transaction: the pattern that deadlocks under
        # SQLite's default deferred transactions.
        async with SqlUnitOfWork(factory) as uow:
            existing = await uow.users.get_by_telegram_id(number)
            assert existing is None
            user = await uow.users.add(
                User(telegram_id=number, first_name=f"Writer {number}", created_at=clock.now())
            )
            await uow.audit.record(
                AuditEntry(
                    at=clock.now(),
                    action="test.write",
                    actor_user_id=user.id,
                    subject_type="user",
                    subject_id=user.id,
                )
            )
            await uow.commit()

    await asyncio.gather(*(writer(n) for n in range(1, WRITERS + 1)))

    async with engine.connect() as connection:
        users = await connection.scalar(text("SELECT count(*) FROM users"))
        audit = await connection.scalar(text("SELECT count(*) FROM audit_log"))
        journal = await connection.scalar(text("PRAGMA journal_mode"))
    await engine.dispose()
    assert (users, audit, journal) == (WRITERS, WRITERS, "wal")
