"""Form use cases on the in-memory unit of work: start or resume, answer, skip and go
back, photos (one by one and as an album), completion."""

from __future__ import annotations

import pytest

from coachbot.domain.forms.completion import BY_HAND
from coachbot.domain.forms.questions import InvalidAnswer
from coachbot.domain.forms.responses import ResponseStatus
from coachbot.domain.forms.use_cases import (
    AddFormPhoto,
    AddFormPhotoUseCase,
    AnswerForm,
    AnswerFormUseCase,
    FormNotFound,
    MoveInForm,
    MoveInFormUseCase,
    ShowForm,
    ShowFormUseCase,
    StartForm,
    StartFormUseCase,
    SyncShippedFormsUseCase,
)
from tests.fakes.media import FakeBlobStore, FakePhotoProcessor
from tests.fakes.world import checkin_form

ANN_CHAT = "200"


class Forms:
    """The form use cases, built once on the fake unit of work, for Ann."""

    def __init__(self, uow, clock, world, blobs: FakeBlobStore) -> None:
        self.user = world.ann_user
        self._start = StartFormUseCase(uow, clock)
        self._answer = AnswerFormUseCase(uow, clock, BY_HAND)
        self._move = MoveInFormUseCase(uow, clock, BY_HAND)
        self._photo = AddFormPhotoUseCase(uow, clock, BY_HAND, FakePhotoProcessor(), blobs)

    async def start(self, purpose: str = "checkin:1", user_id: int | None = None):
        return await self._start(
            StartForm(user_id=user_id or self.user, form_key="weekly", purpose=purpose)
        )

    async def answer(self, response_id: int, text: str, user_id: int | None = None):
        cmd = AnswerForm(user_id=user_id or self.user, response_id=response_id, text=text)
        return await self._answer(cmd)

    async def move(self, response_id: int, action: str):
        return await self._move(
            MoveInForm(user_id=self.user, response_id=response_id, action=action)
        )

    async def photo(self, response_id: int, data: bytes, album: str | None = None):
        cmd = AddFormPhoto(user_id=self.user, response_id=response_id, data=data, album=album)
        return await self._photo(cmd)


@pytest.fixture
def blobs() -> FakeBlobStore:
    return FakeBlobStore()


@pytest.fixture
async def forms(uow, clock, world, blobs) -> Forms:
    assert await SyncShippedFormsUseCase(uow, clock)([checkin_form()]) == 1
    assert await SyncShippedFormsUseCase(uow, clock)([checkin_form()]) == 0
    return Forms(uow, clock, world, blobs)


def response_of(uow, response_id: int):
    return uow.db.form_responses.rows[response_id]


async def test_a_form_starts_at_its_first_question_and_resumes(uow, clock, forms):
    step = await forms.start()
    assert (step.question.key, step.answered) == ("weight", 0)
    await forms.answer(step.response_id, "71")
    again = await forms.start()
    assert again.response_id == step.response_id
    assert (again.question.key, again.answers) == ("note", {"weight": 71.0})
    other = await forms.start(purpose="checkin:2")
    assert other.response_id != step.response_id
    with pytest.raises(FormNotFound):
        await StartFormUseCase(uow, clock)(
            StartForm(user_id=forms.user, form_key="unknown", purpose="x")
        )


async def test_answers_are_read_and_saved_after_every_step(uow, clock, forms):
    step = await forms.start()
    with pytest.raises(InvalidAnswer):
        await forms.answer(step.response_id, "heavy")
    assert response_of(uow, step.response_id).progress.answers == {}
    clock.advance(minutes=5)
    await forms.answer(step.response_id, "72,5")
    stored = response_of(uow, step.response_id)
    assert stored.progress.answers == {"weight": 72.5}
    assert stored.updated_at == clock.now()


async def test_skip_and_back(uow, forms):
    step = await forms.start()
    with pytest.raises(InvalidAnswer):  # the weight is required
        await forms.move(step.response_id, "skip")
    await forms.answer(step.response_id, "70")
    skipped = await forms.move(step.response_id, "skip")
    assert skipped.question.key == "photos" and skipped.answered == 2
    back = await forms.move(step.response_id, "back")
    assert back.question.key == "note" and "note" not in back.answers
    back = await forms.move(step.response_id, "back")
    assert back.question.key == "weight" and back.answers == {}
    with pytest.raises(InvalidAnswer):
        await forms.move(step.response_id, "back")


async def test_photos_complete_the_form(uow, forms, blobs):
    step = await forms.start()
    await forms.answer(step.response_id, "70")
    await forms.move(step.response_id, "skip")
    first = await forms.photo(step.response_id, b"front")
    assert first.collecting == 1 and not first.completed
    done = await forms.move(step.response_id, "photos_done")
    assert done.completed
    stored = response_of(uow, step.response_id)
    assert stored.status == ResponseStatus.completed and stored.completed_at is not None
    (photo,) = uow.db.photos.rows.values()
    assert stored.progress.answers["photos"] == [photo.id]
    assert blobs.blobs[photo.blob_key] == b"front"
    with pytest.raises(InvalidAnswer):  # a completed form takes no more answers
        await forms.answer(step.response_id, "71")


async def test_an_album_is_acknowledged_once_and_withdrawn_when_it_fills_the_answer(uow, forms):
    step = await forms.start()
    await forms.answer(step.response_id, "70")
    await forms.move(step.response_id, "skip")
    await forms.photo(step.response_id, b"one", album="a1")
    assert [m.recipient for m in uow.saved_outbox] == [ANN_CHAT]
    last = await forms.photo(step.response_id, b"two", album="a1")
    assert last.completed
    assert uow.saved_outbox == []  # cancelled: the answer is complete


async def test_a_failed_photo_step_keeps_no_blobs(uow, forms, blobs):
    step = await forms.start()
    with pytest.raises(InvalidAnswer):  # the current question is the weight
        await forms.photo(step.response_id, b"early")
    assert blobs.blobs == {} and uow.db.photos.rows == {}


async def test_only_the_owner_answers_or_sees_a_response(uow, forms, world):
    step = await forms.start()
    with pytest.raises(FormNotFound):
        await forms.answer(step.response_id, "70", user_id=world.coach_user)
    with pytest.raises(FormNotFound):
        await ShowFormUseCase(uow)(ShowForm(user_id=world.coach_user, response_id=step.response_id))
    shown = await ShowFormUseCase(uow)(ShowForm(user_id=forms.user, response_id=step.response_id))
    assert shown.question.key == "weight"
