"""The polling bot's ledger: each update id handled once while the process runs."""

from __future__ import annotations

from coachbot.domain.ports import UpdateClaim
from coachbot.storage.repositories.updates import MemoryUpdateLedger

LEASE = 60.0


async def test_an_update_is_claimed_once_busy_while_handled_then_done(clock):
    ledger = MemoryUpdateLedger()
    assert await ledger.claim(1, now=clock.now(), lease_seconds=LEASE) is UpdateClaim.claimed
    assert await ledger.claim(1, now=clock.now(), lease_seconds=LEASE) is UpdateClaim.busy
    await ledger.finish(1, now=clock.now())
    assert await ledger.claim(1, now=clock.now(), lease_seconds=LEASE) is UpdateClaim.done
    assert await ledger.claim(2, now=clock.now(), lease_seconds=LEASE) is UpdateClaim.claimed


async def test_the_oldest_ids_are_forgotten_beyond_the_capacity(clock):
    ledger = MemoryUpdateLedger(capacity=3)
    for update_id in range(1, 5):
        await ledger.claim(update_id, now=clock.now(), lease_seconds=LEASE)
        await ledger.finish(update_id, now=clock.now())
    assert await ledger.claim(4, now=clock.now(), lease_seconds=LEASE) is UpdateClaim.done
    assert await ledger.claim(1, now=clock.now(), lease_seconds=LEASE) is UpdateClaim.claimed
