"""Shared fixtures: databases (SQLite and PostgreSQL), Redis, a clock tests can move.

PostgreSQL and Redis come from TEST_DATABASE_URL and TEST_REDIS_URL. Without them a test
that needs one is skipped locally; in CI (CI=true) it fails, so a broken service can
never turn into a silently green run.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from coachbot.storage import migrate
from coachbot.storage.db import create_engine, create_session_factory, is_sqlite
from coachbot.storage.tables import Base
from tests.fakes.clock import FakeClock

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Property-based tests: no example database (a failure prints its example and how to
# reproduce it instead), nothing written into the repository (Hypothesis keeps caches in
# its home directory, `.hypothesis` in the working directory unless told otherwise), and
# few enough examples that the unit tests stay fast. HYPOTHESIS_PROFILE=thorough searches
# longer.
set_hypothesis_home_dir(
    os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    or Path(tempfile.gettempdir()) / f"coachbot-hypothesis-{os.getuid()}"
)
settings.register_profile(
    "coachbot",
    database=None,
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("thorough", settings.get_profile("coachbot"), max_examples=5000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "coachbot"))


def service_unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(f"{message} (CI=true: services are required, not optional)")
    pytest.skip(message)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
async def postgres_server_url() -> AsyncIterator[str]:
    """A scratch database on the test server, created for this run and dropped after."""
    base_url = os.environ.get("TEST_DATABASE_URL")
    if not base_url:
        service_unavailable("TEST_DATABASE_URL is not set")
    admin = create_engine(base_url)
    name = f"coachbot_test_{uuid.uuid4().hex[:10]}"
    try:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except (OSError, DBAPIError) as error:
        await admin.dispose()
        service_unavailable(f"PostgreSQL at {base_url} is unreachable: {error}")
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    yield url
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(scope="session")
async def postgres_schema_url(postgres_server_url: str) -> str:
    """The scratch database migrated to head once per run."""
    await migrate.upgrade(postgres_server_url)
    return postgres_server_url


@pytest.fixture(scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once; tests get copies of it."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    await migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    copy = tmp_path / "coachbot.sqlite3"
    copy.write_bytes(sqlite_template.read_bytes())
    return f"sqlite+aiosqlite:///{copy}"


async def truncate_all(engine: AsyncEngine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """The same test on SQLite and on PostgreSQL (a sync fixture: pytest-asyncio cannot
    set up an async fixture from inside another one)."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_schema_url")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on `database_url`, whose tables start empty."""
    engine = create_engine(database_url)
    if not is_sqlite(database_url):
        await truncate_all(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine):
    return create_session_factory(engine)


@pytest.fixture
async def redis_client() -> AsyncIterator[Redis]:
    """A client of the test Redis, with this project's keys cleared before and after."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        service_unavailable("TEST_REDIS_URL is not set")
    client = Redis.from_url(url)
    try:
        await client.ping()
    except (OSError, RedisConnectionError) as error:
        await client.aclose()
        service_unavailable(f"Redis at {url} is unreachable: {error}")
    await _delete_test_keys(client)
    yield client
    await _delete_test_keys(client)
    await client.aclose()


@pytest.fixture
def redis_url(redis_client: Redis) -> str:
    """The URL of the test Redis, once it is known to answer."""
    return os.environ["TEST_REDIS_URL"]


async def _delete_test_keys(client: Redis) -> None:
    async for key in client.scan_iter(match="coachbot:*"):
        await client.delete(key)
