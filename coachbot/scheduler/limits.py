"""Sliding-window rate limits, counted exactly as Telegram counts them.

Each limit is "at most N messages per window seconds" for a key (one chat, or the bot as
a whole). `acquire` records a send under every given limit at once (or says how long to
wait), and `confirm` moves its time to when the server's answer came back. The server
counts a message when it arrives, which is after we sent it and before we hear back, so
counting from the answer keeps us inside the server's window whatever the network
jitter. Until it is confirmed, a send counts as if it happened `IN_FLIGHT_HORIZON`
seconds from now: another process's send still on its way is never taken for an old
one, and a send whose process died frees its place after that horizon.

In memory for one process, in Redis (Lua scripts, so atomic) when several processes
share the bot's limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

IN_FLIGHT_HORIZON = 30.0  # longer than any request may take


@dataclass(frozen=True)
class Limit:
    key: str
    count: int
    window: float


class RateLimiter(Protocol):
    async def delay(self, limits: Sequence[Limit], now: float) -> float:
        """Seconds until every limit has room (0: now)."""
        ...

    async def acquire(self, limits: Sequence[Limit], now: float, token: str) -> float:
        """0 if a send was recorded under every limit, else the seconds to wait first."""
        ...

    async def confirm(self, limits: Sequence[Limit], token: str, at: float) -> None: ...


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._sent: dict[str, list[list]] = {}  # key -> [[time, token], ...], oldest first

    async def delay(self, limits: Sequence[Limit], now: float) -> float:
        return max((self._wait(limit, now) for limit in limits), default=0.0)

    async def acquire(self, limits: Sequence[Limit], now: float, token: str) -> float:
        wait = await self.delay(limits, now)
        if wait > 0:
            return wait
        for limit in limits:
            self._sent[limit.key].append([now + IN_FLIGHT_HORIZON, token])
        return 0.0

    async def confirm(self, limits: Sequence[Limit], token: str, at: float) -> None:
        for limit in limits:
            for entry in reversed(self._sent.get(limit.key, [])):
                if entry[1] == token:
                    entry[0] = at
                    break

    def _wait(self, limit: Limit, now: float) -> float:
        sent = self._sent.setdefault(limit.key, [])
        sent[:] = [entry for entry in sent if entry[0] > now - limit.window]
        if len(sent) < limit.count:
            return 0.0
        times = sorted(entry[0] for entry in sent)
        return times[-limit.count] + limit.window - now


# KEYS: one sorted set per limit. ARGV: now, token, horizon, then count and window for
# each key. Returns the wait in seconds as a string (Redis would truncate a Lua float).
_ACQUIRE = """
local now = tonumber(ARGV[1])
local horizon = tonumber(ARGV[3])
local wait = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(ARGV[2 + i * 2])
  local window = tonumber(ARGV[3 + i * 2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= count then
    local edge = redis.call('ZRANGE', key, -count, -count, 'WITHSCORES')
    wait = math.max(wait, tonumber(edge[2]) + window - now)
  end
end
if wait == 0 and ARGV[2] ~= '' then
  for i, key in ipairs(KEYS) do
    redis.call('ZADD', key, now + horizon, ARGV[2])
    redis.call('PEXPIRE', key, math.ceil((tonumber(ARGV[3 + i * 2]) + horizon) * 1000))
  end
end
return tostring(wait)
"""

# KEYS: the limits' sorted sets. ARGV: token, time of the answer.
_CONFIRM = """
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', ARGV[2], ARGV[1])
end
return 0
"""


class RedisRateLimiter:
    def __init__(self, redis: Redis, prefix: str = "coachbot:rate") -> None:
        self._prefix = prefix
        self._acquire = redis.register_script(_ACQUIRE)
        self._confirm = redis.register_script(_CONFIRM)

    async def delay(self, limits: Sequence[Limit], now: float) -> float:
        return await self._run(limits, now, token="")

    async def acquire(self, limits: Sequence[Limit], now: float, token: str) -> float:
        return await self._run(limits, now, token=token)

    async def confirm(self, limits: Sequence[Limit], token: str, at: float) -> None:
        await self._confirm(keys=self._keys(limits), args=[token, repr(at)])

    async def _run(self, limits: Sequence[Limit], now: float, *, token: str) -> float:
        args: list[str | int] = [repr(now), token, repr(IN_FLIGHT_HORIZON)]
        for limit in limits:
            args += [limit.count, repr(limit.window)]
        return float(await self._acquire(keys=self._keys(limits), args=args))

    def _keys(self, limits: Sequence[Limit]) -> list[str]:
        return [f"{self._prefix}:{limit.key}" for limit in limits]
