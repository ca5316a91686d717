"""Check-in use cases against SQLite and PostgreSQL: ticks that run twice or after
downtime, time zone changes and pauses, albums handled by two processes at once, and
photos stored without EXIF and encrypted."""

from __future__ import annotations

import asyncio
import contextlib
import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from coachbot.domain.checkins.flow import (
    BringCheckinForward,
    BringCheckinForwardUseCase,
    CheckinBroughtForward,
    CheckinForwardOutcome,
    CheckinNotFound,
    StartCheckin,
    StartCheckinUseCase,
    replan_for_user,
)
from coachbot.domain.checkins.model import ThreadKind, ThreadMessage, ThreadRole
from coachbot.domain.checkins.setup import SetCheckinPlan, SetCheckinPlanUseCase
from coachbot.domain.checkins.ticks import OpenDueCheckinsUseCase
from coachbot.domain.completions import FORM_COMPLETIONS
from coachbot.domain.forms.use_cases import (
    AddFormPhoto,
    AddFormPhotoUseCase,
    AnswerForm,
    AnswerFormUseCase,
    MoveInForm,
    MoveInFormUseCase,
    SyncShippedFormsUseCase,
)
from coachbot.domain.people.clients import UpdateClient, UpdateClientUseCase
from coachbot.domain.people.model import Client, ClientStatus, Coach, User
from coachbot.reports.photos import PillowPhotoProcessor
from coachbot.storage.blobs import EncryptedBlobStore
from coachbot.storage.db import create_engine, create_session_factory
from coachbot.storage.form_templates import shipped_templates
from coachbot.storage.tables import CheckinPlanRow, CheckinRow, OutboxRow, PhotoRow
from coachbot.storage.uow import SqlUnitOfWork

KEY = "hUAlmkmEP7ApJcw-Qyqj5zS3hFVJx1w4pnbhTgOkVS8="
MONDAY_0800_BERLIN = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)


@pytest.fixture
async def cleo(session_factory, clock):
    """Coach Anna and her active client Cleo in Berlin, with weekly Monday check-ins."""
    await SyncShippedFormsUseCase(SqlUnitOfWork(session_factory), clock)(shipped_templates())
    uow = SqlUnitOfWork(session_factory)
    async with uow:
        anna = await uow.users.add(User(telegram_id=1, first_name="Anna", created_at=clock.now()))
        coach = await uow.coaches.add(
            Coach(user_id=anna.id, display_name="Anna", created_at=clock.now())
        )
        user = await uow.users.add(
            User(telegram_id=2, first_name="Cleo", timezone="Europe/Berlin", created_at=clock.now())
        )
        client = await uow.clients.add(
            Client(
                coach_id=coach.id,
                display_name="Cleo",
                status=ClientStatus.active,
                created_at=clock.now(),
                user_id=user.id,
            )
        )
        await uow.commit()
    await SetCheckinPlanUseCase(uow, clock)(
        SetCheckinPlan(coach_id=coach.id, client_id=client.id, frequency="weekly", weekdays=(0,))
    )
    return {"coach": coach, "client": client, "user": user, "anna": anna}


async def plan_next_due(session_factory) -> datetime:
    async with session_factory() as session:
        value = await session.scalar(select(CheckinPlanRow.next_due_at))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def count(session_factory, row) -> int:
    async with session_factory() as session:
        return len((await session.scalars(select(row.id))).all())


async def test_a_tick_that_runs_twice_opens_one_checkin_and_one_reminder(
    session_factory, clock, cleo
):
    assert await plan_next_due(session_factory) == MONDAY_0800_BERLIN
    clock.advance(days=7)
    uow = SqlUnitOfWork(session_factory)
    assert await OpenDueCheckinsUseCase(uow, clock)() == 1
    assert await OpenDueCheckinsUseCase(uow, clock)() == 0
    assert await count(session_factory, CheckinRow) == 1
    assert await count(session_factory, OutboxRow) == 1
    assert await plan_next_due(session_factory) == MONDAY_0800_BERLIN + timedelta(days=7)


async def test_after_downtime_only_the_latest_due_checkin_opens(session_factory, clock, cleo):
    clock.advance(days=22)  # three Mondays passed while the bot was down
    assert await OpenDueCheckinsUseCase(SqlUnitOfWork(session_factory), clock)() == 1
    async with session_factory() as session:
        due = await session.scalar(select(CheckinRow.due_at))
    assert due.replace(tzinfo=UTC) == MONDAY_0800_BERLIN + timedelta(days=14)


async def test_a_client_who_moves_to_new_york_checks_in_at_eight_there(
    session_factory, clock, cleo
):
    uow = SqlUnitOfWork(session_factory)
    async with uow:
        user = await uow.users.get(cleo["user"].id)
        user.timezone = "America/New_York"
        await uow.users.update(user)
        await replan_for_user(uow, user, clock.now())
        await uow.commit()
    # It is 04:00 on Monday 2 March in New York: today, 08:00 EST.
    assert await plan_next_due(session_factory) == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


async def test_a_paused_client_gets_no_checkins_and_no_backlog_on_resume(
    session_factory, clock, cleo
):
    uow = SqlUnitOfWork(session_factory)
    change = UpdateClientUseCase(uow, clock)
    pause = UpdateClient(
        coach_id=cleo["coach"].id,
        actor_user_id=cleo["anna"].id,
        client_id=cleo["client"].id,
        status=ClientStatus.paused,
    )
    await change(pause)
    clock.advance(days=21)
    assert await OpenDueCheckinsUseCase(uow, clock)() == 0
    await change(
        UpdateClient(
            coach_id=cleo["coach"].id,
            actor_user_id=cleo["anna"].id,
            client_id=cleo["client"].id,
            status=ClientStatus.active,
        )
    )
    assert await OpenDueCheckinsUseCase(uow, clock)() == 0
    # The next Monday after the pause, 08:00 in Berlin, now summer time (CEST).
    assert await plan_next_due(session_factory) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)


def jpeg_with_gps(seed: int) -> bytes:
    image = Image.new("RGB", (800, 600), (seed * 40 % 256, 90, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° to show upright
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 17.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


async def test_only_a_begun_checkin_is_continued_when_that_is_asked(session_factory, clock, cleo):
    clock.advance(days=7)
    uow = SqlUnitOfWork(session_factory)
    await OpenDueCheckinsUseCase(uow, clock)()
    start = StartCheckinUseCase(uow, clock)
    with pytest.raises(CheckinNotFound):  # open, but not begun: nothing to continue
        await start(StartCheckin(user_id=cleo["user"].id, started_only=True))
    begun = await start(StartCheckin(user_id=cleo["user"].id))
    again = await start(StartCheckin(user_id=cleo["user"].id, started_only=True))
    assert again.step.response_id == begun.step.response_id


async def at_photo_question(session_factory, clock, cleo) -> int:
    """Open Cleo's check-in and answer up to the photo question; the response id."""
    clock.advance(days=7)
    uow = SqlUnitOfWork(session_factory)
    await OpenDueCheckinsUseCase(uow, clock)()
    started = await StartCheckinUseCase(uow, clock)(StartCheckin(user_id=cleo["user"].id))
    answer = AnswerFormUseCase(uow, clock, FORM_COMPLETIONS)
    move = MoveInFormUseCase(uow, clock, FORM_COMPLETIONS)
    rid, uid = started.step.response_id, cleo["user"].id
    typed, picked = "text", "choices"
    answers = [(typed, "72"), (typed, "81"), (picked, ["7"]), (typed, "7")]
    answers += [(picked, ["most"]), (picked, ["yes"]), (typed, "Good")]
    for kind, value in answers:
        await answer(AnswerForm(user_id=uid, response_id=rid, **{kind: value}))
    step = await move(MoveInForm(user_id=uid, response_id=rid, action="skip"))
    assert step.question is not None and step.question.key == "photos"
    return rid


class RacingUnitOfWork(SqlUnitOfWork):
    """Holds each process right after it read the response, until the other one has
    read it too (or half a second passed, when the other is locked out as it should be):
    without a row lock both would save their own photo over the other's."""

    def __init__(self, session_factory, both_read: asyncio.Barrier) -> None:
        super().__init__(session_factory)
        self._both_read = both_read

    def __call__(self) -> RacingUnitOfWork:
        return RacingUnitOfWork(self._session_factory, self._both_read)

    async def __aenter__(self):
        await super().__aenter__()
        read = self.forms.get_response

        async def get_response(response_id, *, for_update=False):
            response = await read(response_id, for_update=for_update)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._both_read.wait(), 0.5)
            return response

        self.forms.get_response = get_response
        return self


async def test_an_album_split_across_two_processes_is_one_answer(
    session_factory, clock, cleo, database_url, tmp_path
):
    rid = await at_photo_question(session_factory, clock, cleo)
    blobs = EncryptedBlobStore(tmp_path / "photos", [KEY])
    # Two processes: two engines, each its own connection pool and transactions.
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        both_read = asyncio.Barrier(2)
        use_cases = [
            AddFormPhotoUseCase(
                RacingUnitOfWork(create_session_factory(e), both_read),
                clock,
                FORM_COMPLETIONS,
                PillowPhotoProcessor(),
                blobs,
            )
            for e in engines
        ]
        steps = await asyncio.gather(
            *(
                use_case(
                    AddFormPhoto(user_id=cleo["user"].id, response_id=rid, data=data, album="g1")
                )
                for use_case, data in zip(
                    use_cases, (jpeg_with_gps(1), jpeg_with_gps(2)), strict=True
                )
            )
        )
    finally:
        for engine in engines:
            await engine.dispose()
    assert sorted(step.collecting for step in steps) == [1, 2]
    async with session_factory() as session:
        acknowledgements = (
            await session.scalars(
                select(OutboxRow).where(OutboxRow.idempotency_key.like("album:%"))
            )
        ).all()
    assert [(row.idempotency_key, row.status) for row in acknowledgements] == [
        (f"album:{cleo['user'].id}:g1", "pending")
    ]
    # The third photo fills the question: the album's acknowledgement is withdrawn.
    add = AddFormPhotoUseCase(
        SqlUnitOfWork(session_factory), clock, FORM_COMPLETIONS, PillowPhotoProcessor(), blobs
    )
    third = await add(
        AddFormPhoto(user_id=cleo["user"].id, response_id=rid, data=jpeg_with_gps(3), album="g1")
    )
    assert third.completed and third.answers["photos"] and len(third.answers["photos"]) == 3
    async with session_factory() as session:
        status = await session.scalar(
            select(OutboxRow.status).where(OutboxRow.idempotency_key.like("album:%"))
        )
    assert status == "cancelled"


async def test_stored_photos_are_upright_without_exif_and_encrypted(
    session_factory, clock, cleo, tmp_path
):
    rid = await at_photo_question(session_factory, clock, cleo)
    blobs = EncryptedBlobStore(tmp_path / "photos", [KEY])
    add = AddFormPhotoUseCase(
        SqlUnitOfWork(session_factory), clock, FORM_COMPLETIONS, PillowPhotoProcessor(), blobs
    )
    await add(AddFormPhoto(user_id=cleo["user"].id, response_id=rid, data=jpeg_with_gps(1)))
    async with session_factory() as session:
        stored = await session.scalar(select(PhotoRow))
    on_disk = next(p for p in (tmp_path / "photos").rglob("*") if p.name == stored.blob_key)
    raw = on_disk.read_bytes()
    assert not raw.startswith(b"\xff\xd8") and b"Exif" not in raw
    image = Image.open(io.BytesIO(await blobs.get(stored.blob_key)))
    assert image.size == (600, 800)  # turned upright
    assert not image.getexif() and "exif" not in image.info


async def test_a_checkin_brought_forward_opens_now_and_the_schedule_carries_on(
    session_factory, clock, cleo
):
    bring = BringCheckinForwardUseCase(SqlUnitOfWork(session_factory), clock)
    brought = await bring(BringCheckinForward(telegram_id=2))
    assert brought == CheckinBroughtForward(CheckinForwardOutcome.due_now, "Cleo")
    assert await plan_next_due(session_factory) == clock.now()
    assert await OpenDueCheckinsUseCase(SqlUnitOfWork(session_factory), clock)() == 1
    async with session_factory() as session:
        due = await session.scalar(select(CheckinRow.due_at))
    assert due.replace(tzinfo=UTC) == clock.now()
    assert await plan_next_due(session_factory) == MONDAY_0800_BERLIN  # as scheduled before
    again = await bring(BringCheckinForward(telegram_id=2))
    assert again.outcome is CheckinForwardOutcome.already_open
    coach = await bring(BringCheckinForward(telegram_id=1))
    assert coach.outcome is CheckinForwardOutcome.not_a_client


async def test_a_client_without_a_schedule_has_nothing_to_bring_forward(
    session_factory, clock, cleo
):
    await SetCheckinPlanUseCase(SqlUnitOfWork(session_factory), clock)(
        SetCheckinPlan(coach_id=cleo["coach"].id, client_id=cleo["client"].id, frequency=None)
    )
    brought = await BringCheckinForwardUseCase(SqlUnitOfWork(session_factory), clock)(
        BringCheckinForward(telegram_id=2)
    )
    assert brought == CheckinBroughtForward(CheckinForwardOutcome.no_schedule, "Cleo")
    assert await count(session_factory, CheckinRow) == 0


async def test_threads_and_responses_of_many_checkins_are_read_at_once(
    session_factory, clock, cleo
):
    uow = SqlUnitOfWork(session_factory)
    checkin_ids, response_ids = [], []
    for _week in range(2):
        clock.advance(days=7)
        await OpenDueCheckinsUseCase(uow, clock)()
        started = await StartCheckinUseCase(uow, clock)(StartCheckin(user_id=cleo["user"].id))
        checkin_ids.append(started.checkin.id)
        response_ids.append(started.step.response_id)
    anna, cleo_user = cleo["anna"].id, cleo["user"].id
    written = [(1, anna, "Great week"), (0, anna, "Well done"), (0, cleo_user, "Thanks!")]
    async with uow:
        for index, author, text in written:
            role = ThreadRole.coach if author == anna else ThreadRole.client
            await uow.checkins.add_message(
                ThreadMessage(
                    checkin_id=checkin_ids[index],
                    author_user_id=author,
                    role=role,
                    kind=ThreadKind.text,
                    created_at=clock.now(),
                    text=text,
                )
            )
        await uow.commit()
    async with uow:
        threads = await uow.checkins.messages_for_checkins(checkin_ids)
        first_thread = await uow.checkins.list_messages(checkin_ids[0])
        responses = await uow.forms.get_responses([*response_ids, 10_000])
        assert await uow.checkins.messages_for_checkins([]) == []
    assert [(m.checkin_id, m.text) for m in threads] == [
        (checkin_ids[0], "Well done"),
        (checkin_ids[0], "Thanks!"),
        (checkin_ids[1], "Great week"),
    ]
    assert [m.text for m in first_thread] == ["Well done", "Thanks!"]
    assert sorted(r.id for r in responses) == sorted(response_ids)
    assert all(r.template.key == responses[0].template.key for r in responses)
