"""The coach's client list (counts, pages, status filter, search) and client card."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from coachbot.domain.people.model import Client, ClientStatus
from coachbot.storage.tables import AuditRow, ClientRow
from coachbot.storage.uow import SqlUnitOfWork
from tests.e2e.conftest import Harness


async def seed_clients(harness: Harness) -> None:
    """Twelve clients of the admin-coach, in several statuses and with tags."""
    await harness.admin.send_text("/menu")
    await harness.admin.next_bot_message()
    uow = SqlUnitOfWork(harness.app.session_factory)
    async with uow:
        coach = await uow.coaches.get_by_user((await uow.users.get_by_telegram_id(1000)).id)
        statuses = (
            [ClientStatus.active] * 8
            + [ClientStatus.paused] * 2
            + [ClientStatus.invited, ClientStatus.archived]
        )
        for number, status in enumerate(statuses):
            await uow.clients.add(
                Client(
                    coach_id=coach.id,
                    display_name=f"Client {number:02d}",
                    status=status,
                    created_at=datetime(2026, 3, 1, tzinfo=UTC),
                    tags=["online"] if number % 2 else [],
                    email=f"c{number}@example.org",
                )
            )
        await uow.commit()


async def test_the_list_counts_pages_filters_and_searches(harness: Harness):
    await seed_clients(harness)
    coach = harness.admin
    await coach.send_text("/clients")
    first = await coach.next_bot_message()
    assert first.text.startswith("Your clients (12): Invited 1 · Active 8 · Paused 2 · Archived 1")
    assert "Page 1 of 2" in first.text
    assert first.buttons[0] == ["Client 10 · Invited"]
    assert ["▶"] in first.buttons
    await coach.press("▶")
    second = await coach.wait_for(lambda chat: "Page 2 of 2" in chat.get(first.message_id).text)
    assert len([row for row in second.get(first.message_id).buttons if "·" in row[0]]) == 4
    await coach.press("Paused", message_id=first.message_id)
    paused = await coach.wait_for(lambda chat: "Showing: Paused" in chat.get(first.message_id).text)
    assert [r[0] for r in paused.get(first.message_id).buttons[:2]] == [
        "Client 08 · Paused",
        "Client 09 · Paused",
    ]
    await coach.press("🔎 Search", message_id=first.message_id)
    await coach.next_bot_message()
    await coach.send_text("#online client 0")
    found = await coach.next_bot_message()
    assert "Search: #online client 0" in found.text
    assert [r[0] for r in found.buttons if "·" in r[0]] == [
        "Client 01 · Active",
        "Client 03 · Active",
        "Client 05 · Active",
        "Client 07 · Active",
        "Client 09 · Paused",
    ]


async def test_the_card_shows_details_and_changes_status_notes_and_tags(harness: Harness):
    await seed_clients(harness)
    coach = harness.admin
    await coach.send_text("/clients")
    await coach.next_bot_message()
    await coach.press("Client 01 · Active")
    card = await coach.next_bot_message()
    assert card.text.startswith("Client 01 · Active\nEmail: c1@example.org\nTags: #online")
    assert card.buttons[0] == ["✏️ Notes", "🏷 Tags"] and card.buttons[1] == ["⏸ Pause", "🗄 Archive"]
    await coach.press("⏸ Pause")
    paused = await coach.wait_for(lambda chat: "· Paused" in chat.get(card.message_id).text)
    assert paused.get(card.message_id).buttons[1] == ["▶️ Resume", "🗄 Archive"]
    await coach.press("✏️ Notes", message_id=card.message_id)
    assert (await coach.next_bot_message()).text.startswith("Send the new notes")
    await coach.send_text("Prefers mornings")
    updated = await coach.next_bot_message()
    assert "Notes: Prefers mornings" in updated.text
    await coach.press("🏷 Tags")
    await coach.next_bot_message()
    await coach.send_text("vip, #Online")
    assert "Tags: #vip #online" in (await coach.next_bot_message()).text
    async with harness.app.session_factory() as session:
        row = await session.scalar(select(ClientRow).where(ClientRow.display_name == "Client 01"))
        actions = (await session.scalars(select(AuditRow.action))).all()
    assert (row.status, row.notes, row.tags) == ("paused", "Prefers mornings", ["vip", "online"])
    assert "client.paused" in actions


async def test_another_coach_cannot_open_or_change_this_card(harness: Harness):
    await seed_clients(harness)
    async with harness.app.session_factory() as session:
        client_id = await session.scalar(select(ClientRow.id))
    otto = harness.user(4500, "Otto")
    uow = SqlUnitOfWork(harness.app.session_factory)
    await otto.send_text("/start")
    await otto.next_bot_message()
    async with uow:  # Otto becomes a coach too
        from coachbot.domain.people.model import Coach

        user = await uow.users.get_by_telegram_id(4500)
        await uow.coaches.add(
            Coach(user_id=user.id, display_name="Otto", created_at=datetime(2026, 3, 1, tzinfo=UTC))
        )
        await uow.commit()
    await otto.send_text("/menu")
    menu = await otto.next_bot_message()
    for data in (f"cc:{client_id}:sh", f"cc:{client_id}:ar"):
        answer = await otto.callback_answer(await otto.press_data(menu.message_id, data))
        assert answer.text == "That client was not found."
    async with harness.app.session_factory() as session:
        assert (await session.get(ClientRow, client_id)).status != "archived"


async def test_next_and_previous_keep_their_place_when_a_client_is_archived_between(
    harness: Harness,
):
    await harness.admin.send_text("/menu")
    await harness.admin.next_bot_message()
    uow = SqlUnitOfWork(harness.app.session_factory)
    async with uow:
        coach = await uow.coaches.get_by_user((await uow.users.get_by_telegram_id(1000)).id)
        for number in range(20):
            await uow.clients.add(
                Client(
                    coach_id=coach.id,
                    display_name=f"Client {number:02d}",
                    status=ClientStatus.active,
                    created_at=datetime(2026, 3, 1, tzinfo=UTC),
                )
            )
        await uow.commit()
    coach_chat = harness.admin
    await coach_chat.send_text("/clients")
    first = await coach_chat.next_bot_message()
    listed = first.message_id

    def names(chat) -> list[str]:
        return [row[0].split(" · ")[0] for row in chat.get(listed).buttons if "·" in row[0]]

    def navigation(chat) -> list[str]:
        return next((row for row in chat.get(listed).buttons if row[0] in "◀▶"), [])

    assert "Page 1 of 3" in first.text and navigation(coach_chat.chat) == ["▶"]
    await coach_chat.press("▶", message_id=listed)
    second = await coach_chat.wait_for(lambda chat: "Page 2 of 3" in chat.get(listed).text)
    assert names(second) == [f"Client {n:02d}" for n in range(8, 16)]
    assert navigation(second) == ["◀", "▶"]
    async with uow:  # archived while the coach looks at page 2
        client = next(
            c for c in await uow.clients.list_for_coach(coach.id) if c.display_name == "Client 16"
        )
        client.status = ClientStatus.archived
        await uow.clients.update(client)
        await uow.commit()
    await coach_chat.press("▶", message_id=listed)
    third = await coach_chat.wait_for(lambda chat: "Page 3 of 3" in chat.get(listed).text)
    assert names(third) == ["Client 17", "Client 18", "Client 19", "Client 16"]
    assert navigation(third) == ["◀"]
    await coach_chat.press("◀", message_id=listed)
    back = await coach_chat.wait_for(lambda chat: "Page 2 of 3" in chat.get(listed).text)
    assert names(back) == [f"Client {n:02d}" for n in range(8, 16)]
    await coach_chat.press("◀", message_id=listed)
    start = await coach_chat.wait_for(lambda chat: "Page 1 of 3" in chat.get(listed).text)
    assert names(start) == [f"Client {n:02d}" for n in range(8)]
    assert navigation(start) == ["▶"]
