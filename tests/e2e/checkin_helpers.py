"""Builders and steps shared by the check-in end-to-end tests."""

from __future__ import annotations

import io
import random
from datetime import timedelta

from PIL import Image

from coachbot.domain.checkins.ticks import FollowUpCheckinsUseCase, OpenDueCheckinsUseCase
from coachbot.domain.people.model import Client, ClientStatus, User
from coachbot.sandbox.telegram_server import FakeUser
from coachbot.storage.uow import SqlUnitOfWork
from tests.e2e.conftest import ADMIN_ID, Harness


async def onboarded_client(
    harness: Harness, telegram_id: int = 4001, name: str = "Cleo", timezone: str = "Europe/Berlin"
) -> FakeUser:
    """A client of the admin-coach who finished onboarding (that flow has its own tests)."""
    coach = harness.admin
    await coach.send_text("/menu")  # the admin becomes a coach
    await coach.next_bot_message()
    now = harness.clock.now()
    async with SqlUnitOfWork(harness.app.session_factory) as uow:
        coach_user = await uow.users.get_by_telegram_id(ADMIN_ID)
        assert coach_user is not None and coach_user.id is not None
        coach_row = await uow.coaches.get_by_user(coach_user.id)
        assert coach_row is not None and coach_row.id is not None
        user = await uow.users.add(
            User(
                telegram_id=telegram_id,
                first_name=name,
                last_name="Park",
                timezone=timezone,
                created_at=now,
                preferred_name=name,
            )
        )
        await uow.clients.add(
            Client(
                coach_id=coach_row.id,
                display_name=f"{name} Park",
                status=ClientStatus.active,
                created_at=now,
                user_id=user.id,
            )
        )
        await uow.commit()
    client = harness.user(telegram_id, name, last_name="Park")
    await client.send_text("/help")  # opens the chat, as a person who used the bot has
    await client.bot_messages_until_idle()
    return client


async def schedule_weekly(harness: Harness, client_name: str, day: str, at: str) -> str:
    """The coach schedules weekly check-ins from the client's card; returns the summary."""
    coach = harness.admin
    await coach.send_text("/clients")
    await coach.next_bot_message()
    await coach.press(f"{client_name} · Active")
    await coach.next_bot_message()
    await coach.press("📅 Check-ins")
    plan = await coach.next_bot_message()
    assert "No check-ins are scheduled." in plan.text
    await coach.press("📅 Weekly")
    days = await coach.next_bot_message()
    await coach.press(day)
    await coach.wait_for(
        lambda chat: any(f"✅ {day}" in row for row in chat.get(days.message_id).buttons)
    )
    await coach.press("Done")
    ask_time = await coach.next_bot_message()
    assert "At what time of day" in ask_time.text
    await coach.press(at)
    saved = await coach.next_bot_message()
    assert saved.text.startswith("Saved ✅")
    return saved.text


async def run_checkin_ticks(harness: Harness) -> None:
    """What the scheduler's check-in ticks do, run now (the clock is moved by hand)."""
    uow = SqlUnitOfWork(harness.app.session_factory)
    await OpenDueCheckinsUseCase(uow, harness.clock)()
    await FollowUpCheckinsUseCase(uow, harness.clock)()


def move_clock_to(harness: Harness, when) -> None:
    harness.clock.advance(seconds=(when - harness.clock.now()) / timedelta(seconds=1))


def photo(seed: int, width: int = 900, height: int = 1200) -> bytes:
    """A JPEG with a little texture, like a phone photo but small."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), (rng.randrange(256), 120, 90))
    for _ in range(40):
        x, y = rng.randrange(width - 50), rng.randrange(height - 50)
        image.paste((rng.randrange(256), rng.randrange(256), 40), (x, y, x + 50, y + 50))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()
