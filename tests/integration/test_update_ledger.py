from __future__ import annotations

import asyncio
from datetime import timedelta

from coachbot.domain.shared.ports import UpdateClaim
from coachbot.storage.repositories import SqlUpdateLedger

LEASE = 60.0


async def test_an_update_is_claimed_once_and_then_reported_done(session_factory, clock):
    ledger = SqlUpdateLedger(session_factory)
    assert await ledger.claim(1, now=clock.now(), lease_seconds=LEASE) is UpdateClaim.claimed
    assert await ledger.claim(1, now=clock.now(), lease_seconds=LEASE) is UpdateClaim.busy
    await ledger.finish(1, now=clock.now())
    clock.advance(hours=1)
    assert await ledger.claim(1, now=clock.now(), lease_seconds=LEASE) is UpdateClaim.done


async def test_concurrent_claims_have_one_winner(session_factory, clock):
    ledger = SqlUpdateLedger(session_factory)
    claims = await asyncio.gather(
        *(ledger.claim(7, now=clock.now(), lease_seconds=LEASE) for _ in range(10))
    )
    assert claims.count(UpdateClaim.claimed) == 1


async def test_a_claim_abandoned_by_a_dead_worker_is_taken_over_after_the_lease(
    session_factory, clock
):
    ledger = SqlUpdateLedger(session_factory)
    await ledger.claim(3, now=clock.now(), lease_seconds=LEASE)
    clock.advance(seconds=LEASE - 1)
    assert await ledger.claim(3, now=clock.now(), lease_seconds=LEASE) is UpdateClaim.busy
    clock.advance(seconds=2)
    assert await ledger.claim(3, now=clock.now(), lease_seconds=LEASE) is UpdateClaim.claimed


async def test_old_entries_are_pruned(session_factory, clock):
    ledger = SqlUpdateLedger(session_factory)
    await ledger.claim(1, now=clock.now(), lease_seconds=LEASE)
    clock.advance(days=3)
    await ledger.claim(2, now=clock.now(), lease_seconds=LEASE)
    assert await ledger.prune(older_than=clock.now() - timedelta(days=2)) == 1
    assert await ledger.claim(2, now=clock.now(), lease_seconds=LEASE) is UpdateClaim.busy


async def test_a_released_claim_is_claimed_again_at_once_but_a_finished_one_stays_done(
    session_factory, clock
):
    ledger = SqlUpdateLedger(session_factory)
    await ledger.claim(4, now=clock.now(), lease_seconds=LEASE)
    await ledger.release(4)
    assert await ledger.claim(4, now=clock.now(), lease_seconds=LEASE) is UpdateClaim.claimed
    await ledger.finish(4, now=clock.now())
    await ledger.release(4)
    assert await ledger.claim(4, now=clock.now(), lease_seconds=LEASE) is UpdateClaim.done
