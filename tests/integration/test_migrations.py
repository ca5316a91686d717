"""Every migration upgrades and downgrades, and head matches the mapped tables."""

from __future__ import annotations

import asyncio
import importlib
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from coachbot.domain.forms.progress import FormProgress
from coachbot.domain.forms.responses import FormResponse, ResponseStatus
from coachbot.domain.people.model import Client, ClientStatus, Coach, User
from coachbot.storage import migrate
from coachbot.storage.db import create_engine, create_session_factory
from coachbot.storage.form_templates import shipped_templates
from coachbot.storage.tables import Base
from coachbot.storage.uow import SqlUnitOfWork

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


async def test_onboarding_measurements_are_recorded_for_clients_onboarded_earlier(tmp_path):
    """0011 turns the weight and waist of a stored initial assessment into entries of
    source "onboarding"; its downgrade removes them again."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'onboarded.sqlite3'}"
    revision = importlib.import_module(
        "coachbot.storage.migrations.versions.0011_onboarding_measurements"
    )
    await migrate.upgrade(url)
    engine = create_engine(url)
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    async with SqlUnitOfWork(create_session_factory(engine)) as uow:
        coach_user = await uow.users.add(User(telegram_id=1, first_name="Anna", created_at=now))
        cleo = await uow.users.add(User(telegram_id=2, first_name="Cleo", created_at=now))
        coach = await uow.coaches.add(
            Coach(user_id=coach_user.id or 0, display_name="Anna", created_at=now)
        )
        client = await uow.clients.add(
            Client(
                coach_id=coach.id or 0,
                display_name="Cleo",
                status=ClientStatus.active,
                created_at=now,
                user_id=cleo.id,
            )
        )
        template = next(t for t in shipped_templates() if t.key == "initial_assessment")
        await uow.forms.add_template(template, now=now)
        template_id, _ = await uow.forms.latest_template("initial_assessment") or (0, None)
        answered = {"weight": 64.0, "waist": 80.0, "body_fat": None, "stress": 7}
        await uow.forms.add_response(
            FormResponse(
                template_id=template_id,
                template=template,
                user_id=cleo.id or 0,
                purpose="onboarding:assessment",
                status=ResponseStatus.completed,
                progress=FormProgress(answers=answered, path=tuple(answered)),
                started_at=now,
                updated_at=now,
                completed_at=now + timedelta(minutes=5),
            )
        )
        await uow.commit()
    await migrate.downgrade(url, revision.down_revision)
    await migrate.upgrade(url)
    async with SqlUnitOfWork(create_session_factory(engine)) as uow:
        entries = await uow.metrics.list_all(client.id or 0)
    assert [(e.metric, e.value, e.source) for e in entries] == [
        ("weight", 64.0, "onboarding"),
        ("waist", 80.0, "onboarding"),
    ]
    assert entries[0].measured_at == now + timedelta(minutes=5)
    await migrate.downgrade(url, revision.down_revision)
    async with SqlUnitOfWork(create_session_factory(engine)) as uow:
        assert await uow.metrics.list_all(client.id or 0) == []
    await engine.dispose()
