"""Rendered charts, kept so an unchanged chart is never drawn twice.

Keys change whenever the picture would (see `chart_key` and, for whole progress
pictures, `picture_key` with the client's data version, in `domain.progress.pictures`),
so entries never need invalidating: stale ones simply stop being asked for and age out.
With Redis every bot process shares the cache (entries expire after a week); without
it each process keeps the most recently used charts in memory, bounded in count and
bytes.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

KEY_PREFIX = "coachbot:chart:"
REDIS_TTL_SECONDS = 7 * 24 * 3600


class MemoryChartCache:
    """Least recently used charts, at most `max_entries` and `max_bytes`."""

    def __init__(self, *, max_entries: int = 512, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self.max_entries = max_entries
        self.max_bytes = max_bytes

    async def get(self, key: str) -> bytes | None:
        image = self._entries.get(key)
        if image is not None:
            self._entries.move_to_end(key)
        return image

    async def put(self, key: str, image: bytes) -> None:
        if len(image) > self.max_bytes:
            return
        old = self._entries.pop(key, None)
        self._bytes -= len(old) if old is not None else 0
        self._entries[key] = image
        self._bytes += len(image)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, dropped = self._entries.popitem(last=False)
            self._bytes -= len(dropped)

    def __len__(self) -> int:
        return len(self._entries)


class RedisChartCache:
    """Shared by every process. A Redis outage costs a render, never the answer."""

    def __init__(self, redis: Redis, *, ttl_seconds: int = REDIS_TTL_SECONDS) -> None:
        self._redis = redis
        self._ttl = ttl_seconds

    async def get(self, key: str) -> bytes | None:
        try:
            found = await self._redis.get(KEY_PREFIX + key)
            return found if isinstance(found, bytes) else None
        except (RedisError, OSError):
            logger.warning("Chart cache unavailable; drawing the chart", exc_info=True)
            return None

    async def put(self, key: str, image: bytes) -> None:
        try:
            await self._redis.set(KEY_PREFIX + key, image, ex=self._ttl)
        except (RedisError, OSError):
            logger.warning("Could not keep a chart in the cache", exc_info=True)
