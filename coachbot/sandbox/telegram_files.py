"""Files in the fake Telegram: what bots upload and users send, stored with the ids,
sizes and thumbnails Telegram gives them."""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import mimetypes
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

try:  # Pillow gives photos real dimensions; without it they are reported as 0x0.
    from PIL import Image, UnidentifiedImageError
except ImportError:  # pragma: no cover - Pillow is a project dependency
    Image = None  # type: ignore[assignment]
    UnidentifiedImageError = OSError  # type: ignore[assignment,misc]

THUMBNAIL_SIDE = 320
_FILE_ID_PREFIXES = {
    "photo": "AgACAgIAAxkBAA",
    "document": "BQACAgIAAxkBAA",
    "voice": "AwACAgIAAxkBAA",
}
_FILE_FOLDERS = {"photo": "photos", "document": "documents", "voice": "voice"}


@dataclass(frozen=True, eq=False)
class StoredFile:
    """A file known to the fake Telegram, uploaded by the bot or sent by a user."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo" (one size of a photo), "document" or "voice"
    data: bytes = field(repr=False)
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    duration: int = 0
    photo_set: str | None = None  # shared by all sizes of one photo

    @property
    def size(self) -> int:
        return len(self.data)

    def to_api(self) -> dict[str, Any]:
        """The PhotoSize/Document/Voice object that describes this file in a Message."""
        base: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.kind == "photo":
            return {**base, "width": self.width, "height": self.height}
        if self.kind == "voice":
            return {**base, "duration": self.duration, "mime_type": self.mime_type}
        return {**base, "file_name": self.file_name, "mime_type": self.mime_type}

    def file_info(self) -> dict[str, Any]:
        """The File object getFile returns."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


def pillow_available() -> bool:
    return Image is not None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of an image, or None if it is not one Pillow can read."""
    if Image is None:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def _thumbnail(data: bytes) -> tuple[bytes, int, int] | None:
    """A JPEG no larger than THUMBNAIL_SIDE, like the small PhotoSize Telegram generates."""
    if Image is None:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            small = image.convert("RGB")
            small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            out = io.BytesIO()
            small.save(out, format="JPEG", quality=80)
            return out.getvalue(), small.width, small.height
    except (UnidentifiedImageError, OSError, ValueError):
        return None


class FileStore:
    """Every file by file_id and by download path."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._photo_sets: dict[str, tuple[StoredFile, ...]] = {}
        self._numbers = itertools.count(1)

    def add(self, data: bytes, kind: str, **details: Any) -> StoredFile:
        """Store bytes; same content gives the same file_unique_id, like Telegram."""
        number = next(self._numbers)
        digest = hashlib.sha256(data).digest()
        unique = "AQAD" + base64.urlsafe_b64encode(digest[:9]).decode()
        file_id = f"{_FILE_ID_PREFIXES[kind]}{number:05d}{secrets.token_urlsafe(18)}"
        extension = _extension(kind, details.get("file_name"), details.get("mime_type"))
        path = f"{_FILE_FOLDERS[kind]}/file_{number}{extension}"
        stored = StoredFile(file_id, unique, kind, data, path, **details)
        self._by_id[file_id] = stored
        self._by_path[path] = stored
        return stored

    def add_photo(self, data: bytes) -> tuple[StoredFile, ...]:
        """Store a photo as Telegram does: a small thumbnail size plus the original."""
        set_id = secrets.token_hex(8)
        width, height = image_size(data) or (0, 0)
        sizes = []
        small = _thumbnail(data) if max(width, height) > THUMBNAIL_SIDE else None
        if small is not None:
            thumb, thumb_width, thumb_height = small
            sizes.append(
                self.add(thumb, "photo", width=thumb_width, height=thumb_height, photo_set=set_id)
            )
        sizes.append(self.add(data, "photo", width=width, height=height, photo_set=set_id))
        self._photo_sets[set_id] = tuple(sizes)
        return tuple(sizes)

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)

    def photo_sizes(self, stored: StoredFile) -> tuple[StoredFile, ...]:
        """All sizes of the photo `stored` belongs to (re-sending a photo resends them all)."""
        return self._photo_sets.get(stored.photo_set or "", (stored,))

    def __iter__(self) -> Iterator[StoredFile]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)


def _extension(kind: str, file_name: str | None, mime_type: str | None) -> str:
    if kind == "photo":
        return ".jpg"
    if kind == "voice":
        return ".oga"
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[1]
    return (mimetypes.guess_extension(mime_type or "") or "") if mime_type else ""
