"""Folders and files that hold people's data (the SQLite database, the photo key, the
photos) are their owner's only: folders 0700, files 0600, set explicitly rather than left
to the process's umask (a service or a container may run with none)."""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

logger = logging.getLogger(__name__)

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> None:
    """Create `path` and its missing parents, each 0700. One that exists is left as is."""
    missing = []
    folder = path
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            folder.mkdir()
            folder.chmod(FOLDER_MODE)


def private_file(path: Path, *, create: bool = True) -> None:
    """Make `path` 0600: create it empty if missing (when `create`), and take away what
    an existing one lets others do (files created by an older version, or copied in)."""
    if create:
        with contextlib.suppress(FileExistsError):
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            try:
                os.fchmod(descriptor, FILE_MODE)
            finally:
                os.close(descriptor)
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if current & 0o077:
        path.chmod(current & ~0o077)
        logger.warning("%s was readable by other users: made it its owner's only", path)


def private_descriptor(descriptor: int) -> None:
    """An open file's mode to 0600 (for files written through a temporary file)."""
    os.fchmod(descriptor, FILE_MODE)
