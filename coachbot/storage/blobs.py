"""Photos and other files on disk, encrypted at rest.

Each blob is one file, `root/<first two characters of the key>/<key>`, holding a Fernet
token (AES-128-CBC + HMAC-SHA256) stored as raw bytes rather than base64 (a third
smaller). Keys are random, so a file name tells nothing about its owner. Writes go to a
temporary file that replaces the target in one step: a crash leaves the old blob or the
new one, never half of one.

Key rotation: the first encryption key encrypts, every key decrypts. To retire a key, put
a new one first, run `rotate_all()`, then drop the old key.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import re
import secrets
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet

from coachbot.storage.files import private_descriptor, private_folder

_KEY_PATTERN = re.compile(r"[0-9a-f]{32}")


class EncryptedBlobStore:
    """`BlobStore` on the local disk. `get` raises `cryptography.fernet.InvalidToken`
    if no configured key opens the blob (wrong keys, or the file was tampered with)."""

    def __init__(self, root: Path, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("EncryptedBlobStore needs at least one encryption key")
        self._root = root
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    async def put(self, data: bytes) -> str:
        key = secrets.token_hex(16)
        await asyncio.to_thread(self._encrypt_to, key, data)
        return key

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._decrypt, key)

    async def delete(self, key: str) -> None:
        if _KEY_PATTERN.fullmatch(key):
            await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def rotate(self, key: str) -> None:
        """Re-encrypt one blob with the first key; `KeyError` if there is no such blob."""
        await asyncio.to_thread(self._rotate, key)

    async def rotate_all(self) -> int:
        """Re-encrypt every blob with the first key; returns how many were rewritten."""
        rotated = 0
        for key in await asyncio.to_thread(self._keys):
            with contextlib.suppress(KeyError):  # deleted meanwhile
                await self.rotate(key)
                rotated += 1
        return rotated

    def _path(self, key: str) -> Path:
        if not _KEY_PATTERN.fullmatch(key):
            raise KeyError(key)
        return self._root / key[:2] / key

    def _keys(self) -> list[str]:
        if not self._root.is_dir():
            return []
        return sorted(
            path.name
            for path in self._root.glob("??/*")
            if _KEY_PATTERN.fullmatch(path.name) and path.parent.name == path.name[:2]
        )

    def _encrypt_to(self, key: str, data: bytes) -> None:
        _write_atomically(self._path(key), _unwrap(self._fernet.encrypt(data)))

    def _decrypt(self, key: str) -> bytes:
        return self._fernet.decrypt(_wrap(self._read(key)))

    def _rotate(self, key: str) -> None:
        token = self._fernet.rotate(_wrap(self._read(key)))
        path = self._path(key)
        # Narrows (cannot close) the race with a concurrent delete: a blob deleted while
        # it was being rotated must not come back.
        if not path.exists():
            raise KeyError(key)
        _write_atomically(path, _unwrap(token))

    def _read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None


def _unwrap(token: bytes) -> bytes:
    """A Fernet token is URL-safe base64; store its bytes."""
    return base64.urlsafe_b64decode(token)


def _wrap(raw: bytes) -> bytes:
    return base64.urlsafe_b64encode(raw)


def _write_atomically(path: Path, data: bytes) -> None:
    private_folder(path.parent)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        private_descriptor(descriptor)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(folder: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)
