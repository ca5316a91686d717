"""In-memory photo processing and blob storage for unit tests."""

from __future__ import annotations

import itertools

from coachbot.domain.checkins.photos import ProcessedPhoto


class FakePhotoProcessor:
    """Accepts any bytes as a 10x10 photo; the thumbnail is marked so tests tell it apart."""

    def process(self, data: bytes) -> ProcessedPhoto:
        return ProcessedPhoto(image=data, thumbnail=b"thumb:" + data, width=10, height=10)


class FakeBlobStore:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self._keys = (f"blob-{n}" for n in itertools.count(1))

    async def put(self, data: bytes) -> str:
        key = next(self._keys)
        self.blobs[key] = data
        return key

    async def get(self, key: str) -> bytes:
        return self.blobs[key]

    async def delete(self, key: str) -> None:
        self.blobs.pop(key, None)
