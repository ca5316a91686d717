"""What the bot stores on disk is its owner's only, whatever the umask: the data folder
0700, the SQLite database (and its WAL files), the photo key and the photos 0600."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from coachbot.config import load_settings
from coachbot.storage.blobs import EncryptedBlobStore
from coachbot.storage.db import create_engine
from coachbot.storage.keys import create_blob_store, load_encryption_keys


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True, params=[0o022, 0o000], ids=["umask-022", "umask-000"])
def umask(request, monkeypatch, tmp_path) -> Iterator[int]:
    """The usual umask, and none at all (what a container or a service may run with)."""
    monkeypatch.chdir(tmp_path)
    for name in ("ENCRYPTION_KEYS", "DATABASE_URL", "DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


async def write_something(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
            await connection.execute(text("INSERT INTO t VALUES (1)"))
        async with engine.connect() as connection:  # WAL and shared memory exist now
            assert await connection.scalar(text("SELECT count(*) FROM t")) >= 1
            data = Path(url.split("///", 1)[1]).parent
            created = sorted(p.name for p in data.iterdir())
            assert created == ["coachbot.sqlite3", "coachbot.sqlite3-shm", "coachbot.sqlite3-wal"]
            for file in data.iterdir():
                assert mode(file) == 0o600, file
    finally:
        await engine.dispose()


async def test_the_sqlite_database_and_its_folder_are_private(tmp_path):
    settings = load_settings(_env_file=None, data_dir=tmp_path / "data")
    await write_something(settings.effective_database_url)
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "coachbot.sqlite3") == 0o600


async def test_a_database_made_readable_by_others_before_is_made_private(tmp_path):
    data = tmp_path / "data"
    settings = load_settings(_env_file=None, data_dir=data)
    await write_something(settings.effective_database_url)
    for file in data.iterdir():
        file.chmod(0o644)
    await write_something(settings.effective_database_url)
    assert mode(data / "coachbot.sqlite3") == 0o600


async def test_the_photo_key_and_the_photos_are_private(tmp_path):
    settings = load_settings(_env_file=None, data_dir=tmp_path / "data")
    store = create_blob_store(settings)
    key = await store.put(b"a photo")
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "encryption.key") == 0o600
    photos = tmp_path / "data" / "photos"
    assert mode(photos) == 0o700 and mode(photos / key[:2]) == 0o700
    assert mode(photos / key[:2] / key) == 0o600
    await store.rotate(key)
    assert mode(photos / key[:2] / key) == 0o600
    assert load_encryption_keys(settings)  # read back


async def test_a_blob_store_of_its_own_makes_its_folders_private(tmp_path):
    store = EncryptedBlobStore(tmp_path / "a" / "b", [Fernet.generate_key().decode()])
    key = await store.put(b"a photo")
    assert mode(tmp_path / "a" / "b") == 0o700
    assert mode(tmp_path / "a" / "b" / key[:2]) == 0o700
