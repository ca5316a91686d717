"""Builders and steps shared by the progress end-to-end tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from coachbot.domain.checkins.model import (
    Checkin,
    CheckinStatus,
    CheckinTemplate,
    MetricEntry,
    Photo,
    ThreadKind,
    ThreadMessage,
    ThreadRole,
)
from coachbot.reports.photos import PillowPhotoProcessor
from coachbot.sandbox.telegram_server import FakeUser
from coachbot.storage.keys import create_blob_store
from coachbot.storage.uow import SqlUnitOfWork
from tests.e2e.checkin_helpers import photo
from tests.e2e.conftest import ADMIN_ID, Harness


async def client_ids(harness: Harness, telegram_id: int) -> tuple[int, int, int]:
    """(client id, the client's user id, the coach's id) of a seeded client."""
    async with SqlUnitOfWork(harness.app.session_factory) as uow:
        user = await uow.users.get_by_telegram_id(telegram_id)
        assert user is not None and user.id is not None
        (client,) = await uow.clients.list_for_user(user.id)
        assert client.id is not None
        return client.id, user.id, client.coach_id


async def seed_weights(harness: Harness, telegram_id: int, values: list[tuple[int, float]]) -> None:
    """Weights logged `days` before now (oldest first), as if by /log."""
    client_id, _user_id, _coach = await client_ids(harness, telegram_id)
    now = harness.clock.now()
    async with SqlUnitOfWork(harness.app.session_factory) as uow:
        for days, kg in values:
            at = now - timedelta(days=days)
            await uow.metrics.add(
                MetricEntry(
                    client_id=client_id,
                    metric="weight",
                    value=kg,
                    measured_at=at,
                    created_at=at,
                    source="log",
                )
            )
        await uow.commit()


async def seed_photo_checkins(
    harness: Harness, telegram_id: int, weeks: list[int], *, photos_each: int = 3
) -> list[int]:
    """Submitted check-ins `weeks` before now, each with photos (stored like uploads:
    processed and encrypted), a weight and a line of coach feedback."""
    client_id, user_id, coach_id = await client_ids(harness, telegram_id)
    blobs = create_blob_store(harness.app.settings)
    processor = PillowPhotoProcessor()
    now = harness.clock.now()
    ids = []
    async with SqlUnitOfWork(harness.app.session_factory) as uow:
        template = await uow.checkins.add_template(
            CheckinTemplate(coach_id=coach_id, name="Weekly", form_key="seeded", created_at=now)
        )
        coach_user = await uow.users.get_by_telegram_id(ADMIN_ID)
        assert coach_user is not None and coach_user.id is not None
        for week in weeks:
            due = now - timedelta(weeks=week)
            checkin = await uow.checkins.add(
                Checkin(
                    client_id=client_id,
                    coach_id=coach_id,
                    user_id=user_id,
                    template_id=template.id or 0,
                    form_key="seeded",
                    due_at=due,
                    status=CheckinStatus.reviewed,
                    submitted_at=due + timedelta(hours=2),
                )
            )
            assert checkin.id is not None
            ids.append(checkin.id)
            for number in range(photos_each):
                processed = processor.process(photo(week * 10 + number))
                await uow.photos.add(
                    Photo(
                        user_id=user_id,
                        blob_key=await blobs.put(processed.image),
                        thumbnail_key=await blobs.put(processed.thumbnail),
                        width=processed.width,
                        height=processed.height,
                        created_at=due,
                        checkin_id=checkin.id,
                    )
                )
            await uow.metrics.add(
                MetricEntry(
                    client_id=client_id,
                    metric="weight",
                    value=80.0 - (10 - week) * 0.5,
                    measured_at=due + timedelta(hours=2),
                    created_at=due,
                    checkin_id=checkin.id,
                )
            )
            await uow.checkins.add_message(
                ThreadMessage(
                    checkin_id=checkin.id,
                    author_user_id=coach_user.id,
                    role=ThreadRole.coach,
                    kind=ThreadKind.text,
                    created_at=due + timedelta(hours=5),
                    text=f"Great work in week {week}, keep the protein up.",
                )
            )
        await uow.commit()
    return ids


async def open_client_card(coach: FakeUser, name: str = "Cleo Park · Active") -> None:
    await coach.send_text("/clients")
    await coach.next_bot_message()
    await coach.press(name)
    await coach.next_bot_message()


async def log(client: FakeUser, text: str) -> list[str]:
    """`/log <text>`: the reply first, then what the outbox sent meanwhile (badges,
    celebrations), once the chat is quiet."""
    await client.send_text(f"/log {text}")
    reply = await client.next_bot_message()
    return [reply.text] + [m.text for m in await client.bot_messages_until_idle()]


def after(harness: Harness, **delta: float) -> datetime:
    return harness.clock.advance(**delta)
