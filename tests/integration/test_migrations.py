"""Every migration upgrades and downgrades, and head matches the mapped tables."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from coachbot.storage import migrate
from coachbot.storage.db import create_engine
from coachbot.storage.tables import Base

APPLICATION_TABLES = {t.name for t in Base.metadata.sorted_tables}


async def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


async def schema_differences(url: str) -> list:
    engine = create_engine(url)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
        )
    await engine.dispose()
    return diff


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
    return request.getfixturevalue("postgres_server_url")


async def test_upgrade_to_head_then_down_to_base_and_up_again(empty_database_url):
    await migrate.upgrade(empty_database_url)
    assert await table_names(empty_database_url) == APPLICATION_TABLES
    assert await schema_differences(empty_database_url) == []
    await migrate.downgrade(empty_database_url, "base")
    assert await table_names(empty_database_url) == set()
    await migrate.upgrade(empty_database_url)
    assert await table_names(empty_database_url) == APPLICATION_TABLES


async def test_migrate_is_idempotent(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'twice.sqlite3'}"
    await asyncio.gather(migrate.upgrade(url))
    await migrate.upgrade(url)
    assert await table_names(url) == APPLICATION_TABLES
