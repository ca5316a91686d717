"""Engine and session factory from settings.

SQLite is the embedded default and needs three things to take concurrent writers: WAL
(readers never block the writer), a busy timeout (a writer waits instead of failing with
"database is locked"; `sqlite_inline` waits without blocking the event loop) and write
transactions that BEGIN IMMEDIATE (a deferred transaction that reads then writes can
deadlock on the lock upgrade, which the busy timeout cannot resolve). pysqlite's own
transaction handling is switched off so that SQLAlchemy emits the BEGIN itself.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from coachbot.storage.files import private_file, private_folder
from coachbot.storage.sqlite_inline import inline_connector

SQLITE_BUSY_TIMEOUT_MS = 30_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if is_sqlite(url):
        return _create_sqlite_engine(url, echo=echo)
    return create_async_engine(url, echo=echo, pool_pre_ping=True)


def _create_sqlite_engine(url: str, *, echo: bool) -> AsyncEngine:
    parsed = make_url(url)
    database = parsed.database or ":memory:"
    if database != ":memory:" and parsed.query.get("uri") != "true":
        _private_database(Path(database))
    engine = create_async_engine(
        url,
        echo=echo,
        # Statements run on the event loop's thread, not in aiosqlite's (see module).
        async_creator=inline_connector(
            database, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, uri=parsed.query.get("uri") == "true"
        ),
        # SQLite has one writer at a time. Within a process, queue for one connection
        # (fair, no waiting) rather than let connections race for the lock, where
        # SQLite's busy handler backs off in ever longer sleeps.
        pool_size=1,
        max_overflow=0,
        pool_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _private_database(path: Path) -> None:
    """The folder 0700, the database file 0600 (created here, so SQLite does not create
    it by the umask, usually 0644) and its WAL files, which SQLite creates with the
    database file's mode."""
    private_folder(path.parent)
    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        private_file(path.with_name(path.name + suffix), create=False)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
