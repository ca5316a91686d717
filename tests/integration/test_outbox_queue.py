"""The outbox tables on SQLite and PostgreSQL: enqueue with the business change, claim
fairly and safely, settle, and recover from dead workers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coachbot.domain.invitations.notices import CoachJoined
from coachbot.domain.outbox.model import Channel, NoticePayload, OutgoingMessage, TextPayload
from coachbot.storage.repositories import SqlOutboxQueue
from coachbot.storage.tables import OutboxRow
from coachbot.storage.uow import SqlUnitOfWork

LEASE = 30.0


def message(recipient: str, key: str, clock, **fields) -> OutgoingMessage:
    values = {
        "channel": Channel.telegram,
        "recipient": recipient,
        "payload": TextPayload(text=f"message {key}"),
        "idempotency_key": key,
        "created_at": clock.now(),
        "not_before": clock.now(),
    }
    return OutgoingMessage(**{**values, **fields})


async def enqueue(session_factory, *messages: OutgoingMessage) -> list[bool]:
    async with SqlUnitOfWork(session_factory) as uow:
        results = [await uow.outbox.enqueue(m) for m in messages]
        await uow.commit()
    return results


async def statuses(session_factory) -> dict[str, str]:
    async with session_factory() as session:
        rows = await session.execute(select(OutboxRow.idempotency_key, OutboxRow.status))
        return dict(rows.all())


@pytest.fixture
def queue(session_factory) -> SqlOutboxQueue:
    return SqlOutboxQueue(session_factory)


async def claim(queue, clock, worker="w1", limit=10):
    return await queue.claim(worker=worker, limit=limit, now=clock.now(), lease_seconds=LEASE)


async def test_a_rolled_back_unit_of_work_leaves_nothing_to_send(session_factory, queue, clock):
    async with SqlUnitOfWork(session_factory) as uow:
        await uow.outbox.enqueue(message("1", "a", clock))
        # no commit: the business change failed, so the message must not exist
    assert await claim(queue, clock) == []
    assert await statuses(session_factory) == {}


async def test_an_idempotency_key_is_enqueued_once(session_factory, clock):
    assert await enqueue(session_factory, message("1", "a", clock)) == [True]
    assert await enqueue(session_factory, message("1", "a", clock)) == [False]
    assert await statuses(session_factory) == {"a": "pending"}


async def test_payloads_survive_the_round_trip(session_factory, queue, clock):
    notice = NoticePayload(CoachJoined(name="Ben"), language="en")
    await enqueue(session_factory, message("7", "n", clock, payload=notice))
    [claimed] = await claim(queue, clock)
    assert (claimed.recipient, claimed.payload, claimed.attempts) == ("7", notice, 1)


async def test_only_due_messages_are_claimed(session_factory, queue, clock):
    later = clock.now() + timedelta(minutes=5)
    await enqueue(
        session_factory, message("1", "now", clock), message("2", "later", clock, not_before=later)
    )
    [now] = await claim(queue, clock)
    assert now.payload.text == "message now"
    await queue.mark_sent(now.id, sent_message_id=1, now=clock.now())
    clock.advance(minutes=5)
    assert [m.payload.text for m in await claim(queue, clock)] == ["message later"]


async def test_one_message_per_chat_at_a_time_in_order(session_factory, queue, clock):
    await enqueue(
        session_factory,
        *[message("1", f"one-{n}", clock) for n in range(3)],
        message("2", "two-0", clock),
    )
    first = await claim(queue, clock)
    assert sorted(m.payload.text for m in first) == ["message one-0", "message two-0"]
    assert await claim(queue, clock, worker="w2") == []  # chat 1 is busy with one-0
    await queue.mark_sent(first[0].id, sent_message_id=10, now=clock.now())
    await queue.mark_sent(first[1].id, sent_message_id=11, now=clock.now())
    assert [m.payload.text for m in await claim(queue, clock, worker="w2")] == ["message one-1"]


async def test_a_crowded_chat_takes_one_place_in_a_batch(session_factory, queue, clock):
    await enqueue(session_factory, *[message("1", f"busy-{n}", clock) for n in range(50)])
    await enqueue(session_factory, *[message(str(100 + n), f"other-{n}", clock) for n in range(5)])
    claimed = await claim(queue, clock, limit=10)
    assert sorted(m.recipient for m in claimed) == ["1", "100", "101", "102", "103", "104"]


async def test_a_dead_workers_claims_return_after_the_lease(session_factory, queue, clock):
    await enqueue(session_factory, message("1", "a", clock))
    [first] = await claim(queue, clock, worker="dead")
    clock.advance(seconds=LEASE - 1)
    assert await claim(queue, clock, worker="alive") == []
    clock.advance(seconds=2)
    [again] = await claim(queue, clock, worker="alive")
    assert again.id == first.id and again.attempts == 2


async def test_work_past_its_send_by_time_is_missed_not_sent(session_factory, queue, clock):
    deadline = clock.now() + timedelta(hours=1)
    await enqueue(
        session_factory,
        message("1", "stale", clock, expires_at=deadline),
        message("2", "fresh", clock, expires_at=deadline + timedelta(hours=2)),
    )
    clock.advance(hours=2)  # downtime
    assert [m.payload.text for m in await claim(queue, clock)] == ["message fresh"]
    assert (await statuses(session_factory))["stale"] == "missed"


async def test_unreachable_recipients_get_nothing_until_they_come_back(
    session_factory, queue, clock
):
    await queue.mark_unreachable(Channel.telegram, "1", reason="blocked", now=clock.now())
    await enqueue(session_factory, message("1", "a", clock))
    assert await claim(queue, clock) == []
    assert (await statuses(session_factory))["a"] == "failed"
    async with SqlUnitOfWork(session_factory) as uow:
        await uow.outbox.set_reachable(
            Channel.telegram, "1", reachable=True, reason="", now=clock.now()
        )
        await uow.commit()
    await enqueue(session_factory, message("1", "b", clock))
    assert [m.payload.text for m in await claim(queue, clock)] == ["message b"]


async def test_retry_release_and_fail_settle_a_claim(session_factory, queue, clock):
    await enqueue(session_factory, *[message(str(n), f"m{n}", clock) for n in range(3)])
    retried, released, failed = sorted(await claim(queue, clock), key=lambda m: m.recipient)
    await queue.retry_later(retried.id, not_before=clock.now() + timedelta(seconds=5), error="5xx")
    await queue.release(released.id, not_before=clock.now())
    await queue.fail(failed.id, error="Bad Request: chat not found", now=clock.now())
    [again] = await claim(queue, clock)
    assert (again.id, again.attempts) == (released.id, 1)  # a release costs no attempt
    clock.advance(seconds=5)
    [third] = await claim(queue, clock)
    assert (third.id, third.attempts) == (retried.id, 2)
    async with session_factory() as session:
        row = await session.get(OutboxRow, failed.id)
    assert (row.status, row.last_error) == ("failed", "Bad Request: chat not found")


async def test_finished_messages_are_purged_after_retention(session_factory, queue, clock):
    await enqueue(
        session_factory,
        message("1", "old", clock),
        message("2", "waiting", clock, not_before=clock.now() + timedelta(days=60)),
    )
    [sent] = await claim(queue, clock)
    await queue.mark_sent(sent.id, sent_message_id=1, now=clock.now())
    assert await queue.purge_finished(older_than=clock.now() + timedelta(days=1)) == 1
    assert await statuses(session_factory) == {"waiting": "pending"}


async def test_a_claim_renews_only_while_it_is_still_ours(session_factory, queue, clock):
    await enqueue(session_factory, message("1", "a", clock))
    [mine] = await claim(queue, clock, worker="slow")
    assert await queue.renew(mine.id, worker="slow", now=clock.now(), lease_seconds=LEASE)
    clock.advance(seconds=LEASE + 1)
    [taken] = await claim(queue, clock, worker="other")  # the slow worker's lease ran out
    assert not await queue.renew(mine.id, worker="slow", now=clock.now(), lease_seconds=LEASE)
    assert await queue.renew(taken.id, worker="other", now=clock.now(), lease_seconds=LEASE)


async def test_a_message_put_back_holds_its_chat_only_until_its_retry(
    session_factory, queue, clock
):
    await enqueue(
        session_factory,
        *[message("1", f"one-{n}", clock) for n in range(2)],
        message("2", "two-0", clock),
    )
    first = {m.recipient: m for m in await claim(queue, clock)}
    retry_at = clock.now() + timedelta(seconds=3)
    await queue.retry_later(first["1"].id, not_before=retry_at, error="retry after 3")
    await queue.mark_sent(first["2"].id, sent_message_id=1, now=clock.now())
    await enqueue(session_factory, message("2", "two-1", clock))
    # one-1 is due but one-0 is ahead of it: chat 1 waits, chat 2 goes on.
    assert [m.payload.text for m in await claim(queue, clock)] == ["message two-1"]
    clock.advance(seconds=3)
    assert [m.payload.text for m in await claim(queue, clock)] == ["message one-0"]


async def test_a_message_scheduled_for_later_holds_nothing_up(session_factory, queue, clock):
    tomorrow = clock.now() + timedelta(days=1)
    await enqueue(
        session_factory,
        message("1", "tomorrow", clock, not_before=tomorrow),
        message("1", "now", clock),
    )
    assert [m.payload.text for m in await claim(queue, clock)] == ["message now"]
