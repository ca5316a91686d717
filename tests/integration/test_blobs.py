from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken

from coachbot.config import ConfigurationError, load_settings
from coachbot.storage.blobs import EncryptedBlobStore
from coachbot.storage.keys import GENERATE_COMMAND, EncryptionKeyError, load_encryption_keys

PHOTO = b"\xff\xd8\xff\xe0" + b"a progress photo" * 1000
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """Settings read the environment and `.env`: start every test from neither."""
    monkeypatch.chdir(tmp_path)
    for name in ("ENCRYPTION_KEYS", "DATABASE_URL", "DATA_DIR"):
        monkeypatch.delenv(name, raising=False)


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


async def test_a_blob_reads_back_and_is_not_stored_in_the_clear(tmp_path):
    store = EncryptedBlobStore(tmp_path / "blobs", [KEY_A])
    key = await store.put(PHOTO)

    assert await store.get(key) == PHOTO
    [file] = stored_files(tmp_path / "blobs")
    assert file == tmp_path / "blobs" / key[:2] / key
    stored = file.read_bytes()
    assert not stored.startswith(b"\xff\xd8") and b"progress photo" not in stored
    assert stat.S_IMODE(file.stat().st_mode) == 0o600


async def test_keys_are_new_and_opaque(tmp_path):
    store = EncryptedBlobStore(tmp_path, [KEY_A])
    keys = {await store.put(PHOTO) for _ in range(5)}
    assert len(keys) == 5
    assert all(len(key) == 32 and int(key, 16) >= 0 for key in keys)


@pytest.mark.parametrize("key", ["0" * 32, "../../etc/passwd", "", "ZZ" * 16])
async def test_an_unknown_key_is_a_key_error(tmp_path, key):
    store = EncryptedBlobStore(tmp_path, [KEY_A])
    with pytest.raises(KeyError):
        await store.get(key)
    with pytest.raises(KeyError):
        await store.rotate(key)


async def test_delete_removes_the_blob_and_a_missing_one_is_fine(tmp_path):
    store = EncryptedBlobStore(tmp_path, [KEY_A])
    key = await store.put(PHOTO)
    await store.delete(key)
    await store.delete(key)
    await store.delete("not a key")
    with pytest.raises(KeyError):
        await store.get(key)
    assert stored_files(tmp_path) == []


async def test_rotation_moves_blobs_to_the_new_key(tmp_path):
    first = await EncryptedBlobStore(tmp_path, [KEY_A]).put(PHOTO)
    second = await EncryptedBlobStore(tmp_path, [KEY_A]).put(b"another")

    both = EncryptedBlobStore(tmp_path, [KEY_B, KEY_A])
    assert await both.get(first) == PHOTO
    newer = await both.put(b"written with B")
    with pytest.raises(InvalidToken):
        await EncryptedBlobStore(tmp_path, [KEY_B]).get(first)

    assert await both.rotate_all() == 3

    only_b = EncryptedBlobStore(tmp_path, [KEY_B])
    assert [await only_b.get(k) for k in (first, second, newer)] == [
        PHOTO,
        b"another",
        b"written with B",
    ]
    with pytest.raises(InvalidToken):
        await EncryptedBlobStore(tmp_path, [KEY_A]).get(first)
    assert not [path for path in stored_files(tmp_path) if path.name.endswith(".tmp")]


async def test_rotating_one_blob(tmp_path):
    key = await EncryptedBlobStore(tmp_path, [KEY_A]).put(PHOTO)
    await EncryptedBlobStore(tmp_path, [KEY_B, KEY_A]).rotate(key)
    assert await EncryptedBlobStore(tmp_path, [KEY_B]).get(key) == PHOTO


async def test_rotate_all_on_an_empty_store(tmp_path):
    assert await EncryptedBlobStore(tmp_path / "nothing yet", [KEY_A]).rotate_all() == 0


def test_a_store_needs_a_key(tmp_path):
    with pytest.raises(ValueError):
        EncryptedBlobStore(tmp_path, [])


def test_sqlite_key_is_generated_once_readable_only_by_its_owner(tmp_path, caplog):
    settings = load_settings(_env_file=None, data_dir=tmp_path / "data")

    with caplog.at_level(logging.WARNING):
        [key] = load_encryption_keys(settings)
    assert "back it up" in caplog.text

    key_file = tmp_path / "data" / "encryption.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_encryption_keys(settings) == [key]
    Fernet(key)
    assert [path.name for path in key_file.parent.iterdir()] == ["encryption.key"]


def test_configured_keys_come_first_and_in_order(monkeypatch, tmp_path):
    monkeypatch.setenv("ENCRYPTION_KEYS", f" {KEY_B}, {KEY_A},")
    settings = load_settings(_env_file=None, data_dir=tmp_path)
    assert load_encryption_keys(settings) == [KEY_B, KEY_A]
    assert KEY_A not in repr(settings)
    assert not (tmp_path / "encryption.key").exists()


def test_postgresql_without_keys_is_an_error_naming_the_variable(tmp_path):
    settings = load_settings(
        _env_file=None, data_dir=tmp_path, database_url="postgresql+asyncpg://db/coachbot"
    )
    with pytest.raises(EncryptionKeyError) as error:
        load_encryption_keys(settings)
    message = str(error.value)
    assert message.startswith("Invalid configuration:\n  ENCRYPTION_KEYS: must be set")
    assert GENERATE_COMMAND in message
    assert not (tmp_path / "encryption.key").exists()


def test_a_bad_configured_key_is_refused_at_start(monkeypatch):
    monkeypatch.setenv("ENCRYPTION_KEYS", f"{KEY_A},not-a-key")
    with pytest.raises(ConfigurationError, match="ENCRYPTION_KEYS: key 2 is not a Fernet key"):
        load_settings(_env_file=None)


def test_a_bad_key_is_refused_by_the_loader_too(tmp_path):
    # Settings built without validation, as a test or a script might.
    settings = load_settings(_env_file=None, data_dir=tmp_path).model_copy(
        update={"encryption_keys": (KEY_A, "short")}
    )
    with pytest.raises(ValueError, match="ENCRYPTION_KEYS: key 2 is not a Fernet key"):
        load_encryption_keys(settings)


def test_a_damaged_key_file_is_refused(tmp_path):
    (tmp_path / "encryption.key").write_text("garbage\n")
    settings = load_settings(_env_file=None, data_dir=tmp_path)
    with pytest.raises(EncryptionKeyError, match=r"encryption\.key"):
        load_encryption_keys(settings)
