"""Where the keys that encrypt stored photos come from.

ENCRYPTION_KEYS when set. Otherwise, on the embedded SQLite database (one machine, the
try-it-out setup), a key generated once in DATA_DIR/encryption.key. On PostgreSQL
(production, possibly several machines) the keys must be configured: a key generated on
one machine would make the photos stored by another unreadable.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from cryptography.fernet import Fernet

from coachbot.storage.blobs import EncryptedBlobStore
from coachbot.storage.files import private_descriptor, private_folder

logger = logging.getLogger(__name__)

KEY_FILE = "encryption.key"
GENERATE_COMMAND = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


class KeySettings(Protocol):
    """What is needed of `coachbot.config.Settings` (storage does not import config)."""

    @property
    def encryption_keys(self) -> Sequence[str] | None: ...
    @property
    def data_dir(self) -> Path: ...
    @property
    def effective_database_url(self) -> str: ...


class EncryptionKeyError(ValueError):
    """ENCRYPTION_KEYS is missing or wrong. The message is worded like
    `config.ConfigurationError`'s: print it and exit with status 2."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"Invalid configuration:\n  ENCRYPTION_KEYS: {problem}")


def load_encryption_keys(settings: KeySettings) -> list[str]:
    """The keys for `EncryptedBlobStore`, first one encrypting; raises EncryptionKeyError."""
    if settings.encryption_keys:
        keys = list(settings.encryption_keys)
        for number, key in enumerate(keys, start=1):
            if not _is_fernet_key(key):
                raise EncryptionKeyError(
                    f"key {number} is not a Fernet key (32 url-safe base64-encoded bytes); "
                    f"generate one with: {GENERATE_COMMAND}"
                )
        return keys
    if settings.effective_database_url.startswith("sqlite"):
        return [_key_from_file(settings.data_dir / KEY_FILE)]
    raise EncryptionKeyError(
        "must be set with PostgreSQL (every bot process needs the same key, and photos "
        "cannot be read without it). Generate one with:\n"
        f"    {GENERATE_COMMAND}\n"
        "  then set ENCRYPTION_KEYS=<that key> and keep a copy somewhere safe."
    )


def create_blob_store(settings: KeySettings) -> EncryptedBlobStore:
    """Photos live encrypted under DATA_DIR/photos (shared storage when several hosts)."""
    return EncryptedBlobStore(settings.data_dir / "photos", load_encryption_keys(settings))


def _key_from_file(path: Path) -> str:
    if not path.exists():
        _create_key_file(path)
    elif path.stat().st_mode & 0o077:
        logger.warning("%s is readable by other users: chmod 600 it", path)
    key = path.read_text(encoding="ascii", errors="replace").strip()
    if not _is_fernet_key(key):
        raise EncryptionKeyError(f"not set, and {path} does not hold a valid Fernet key")
    return key


def _create_key_file(path: Path) -> None:
    """Write a new key readable only by its owner, never replacing one that another
    process has just created (the file appears complete or not at all)."""
    private_folder(path.parent)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    try:
        private_descriptor(descriptor)  # mkstemp's 0600, stated
        with os.fdopen(descriptor, "wb") as file:
            file.write(Fernet.generate_key() + b"\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
            logger.warning(
                "Generated the photo encryption key %s: back it up, stored photos cannot "
                "be read without it (or set ENCRYPTION_KEYS)",
                path.resolve(),
            )
    finally:
        os.unlink(temporary)


def _is_fernet_key(key: str) -> bool:
    try:
        Fernet(key)
    except ValueError:
        return False
    return True
