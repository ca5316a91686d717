"""Run Alembic migrations from code (`coachbot migrate`, and at `coachbot run`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    # Alembic's config is an INI file underneath: '%' must be escaped.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def _run(database_url: str, action: str, revision: str) -> None:
    """Alembic's command API is synchronous and env.py runs its own event loop."""
    getattr(command, action)(alembic_config(database_url), revision)


async def upgrade(database_url: str, revision: str = "head") -> None:
    await asyncio.to_thread(_run, database_url, "upgrade", revision)


async def downgrade(database_url: str, revision: str = "base") -> None:
    await asyncio.to_thread(_run, database_url, "downgrade", revision)
