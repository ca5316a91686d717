"""Filling in forms with the real storage, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from coachbot.domain.completions import FORM_COMPLETIONS
from coachbot.domain.forms.questions import InvalidAnswer
from coachbot.domain.forms.templates import FormTemplate
from coachbot.domain.forms.use_cases import (
    AnswerForm,
    AnswerFormUseCase,
    FormNotFound,
    MoveInForm,
    MoveInFormUseCase,
    StartForm,
    StartFormUseCase,
    SyncShippedFormsUseCase,
)
from coachbot.domain.people.model import User
from coachbot.storage.form_templates import shipped_templates
from coachbot.storage.uow import SqlUnitOfWork


@pytest.fixture
async def forms(session_factory, clock):
    """Shipped forms stored, two users, and the use cases bound to the database."""
    uow = SqlUnitOfWork(session_factory)
    assert await SyncShippedFormsUseCase(uow, clock)(shipped_templates()) == 7
    async with uow:
        metric = await uow.users.add(User(telegram_id=1, first_name="Ann", created_at=clock.now()))
        imperial = await uow.users.add(
            User(telegram_id=2, first_name="Bob", created_at=clock.now(), units="imperial")
        )
        await uow.commit()

    class Forms:
        start = StartFormUseCase(uow, clock)
        answer = AnswerFormUseCase(uow, clock, FORM_COMPLETIONS)
        move = MoveInFormUseCase(uow, clock, FORM_COMPLETIONS)
        ann, bob = metric.id, imperial.id

        async def reply(self, user_id, response_id, **answer):
            return await self.answer(AnswerForm(user_id=user_id, response_id=response_id, **answer))

    return Forms()


async def test_shipped_forms_are_stored_once(session_factory, clock, forms):
    again = SyncShippedFormsUseCase(SqlUnitOfWork(session_factory), clock)
    assert await again(shipped_templates()) == 0


def test_templates_survive_their_json_form():
    for template in shipped_templates():
        assert FormTemplate.from_data(template.to_data()) == template


async def test_a_form_starts_at_its_first_question_and_resumes_where_it_stopped(forms):
    step = await forms.start(StartForm(user_id=forms.ann, form_key="par_q", purpose="onboarding"))
    assert (step.question.key, step.answered) == ("heart", 0)
    step = await forms.reply(forms.ann, step.response_id, text="no")
    resumed = await forms.start(
        StartForm(user_id=forms.ann, form_key="par_q", purpose="onboarding")
    )
    assert resumed.response_id == step.response_id
    assert (resumed.question.key, resumed.answered) == ("chest_pain", 1)


async def test_a_wrong_answer_changes_nothing(forms):
    step = await forms.start(
        StartForm(user_id=forms.ann, form_key="initial_assessment", purpose="onboarding")
    )
    with pytest.raises(InvalidAnswer) as refused:
        await forms.reply(forms.ann, step.response_id, text="heavy")
    assert refused.value.code == "not_a_number"
    again = await forms.start(
        StartForm(user_id=forms.ann, form_key="initial_assessment", purpose="onboarding")
    )
    assert (again.question.key, again.answered) == ("weight", 0)


async def test_measurements_are_stored_in_metric_units_for_imperial_users(forms):
    step = await forms.start(
        StartForm(user_id=forms.bob, form_key="initial_assessment", purpose="onboarding")
    )
    step = await forms.reply(forms.bob, step.response_id, text="176")  # pounds
    assert step.answers["weight"] == pytest.approx(79.83, abs=0.01)


async def test_skip_back_choices_and_completion(forms):
    step = await forms.start(
        StartForm(user_id=forms.ann, form_key="initial_assessment", purpose="onboarding")
    )
    rid = step.response_id
    step = await forms.reply(forms.ann, rid, text="80,5 kg")
    step = await forms.move(MoveInForm(user_id=forms.ann, response_id=rid, action="skip"))
    assert step.question.key == "body_fat"
    step = await forms.move(MoveInForm(user_id=forms.ann, response_id=rid, action="back"))
    assert step.question.key == "waist" and "waist" not in step.answers
    for answer in (
        {"text": "90"},
        {"text": "18%"},
        {"choices": ["light"]},
        {"text": "3"},
        {"text": "7.5"},
        {"choices": ["6"]},
        {"choices": ["sleep", "fat_loss"]},
        {"choices": ["yes"]},
        {"text": "left knee"},
        {"choices": ["9"]},
    ):
        step = await forms.reply(forms.ann, rid, **answer)
    assert step.question.key == "notes"
    step = await forms.move(MoveInForm(user_id=forms.ann, response_id=rid, action="skip"))
    assert step.completed
    assert step.answers["focus"] == ["fat_loss", "sleep"]
    assert step.answers["injury_details"] == "left knee" and step.answers["notes"] is None
    with pytest.raises(InvalidAnswer, match="form_complete"):
        await forms.reply(forms.ann, rid, text="more")
    fresh = await forms.start(
        StartForm(user_id=forms.ann, form_key="initial_assessment", purpose="onboarding")
    )
    assert fresh.response_id != rid  # a completed form is not reopened


async def test_nobody_else_can_answer_someones_form(forms):
    step = await forms.start(StartForm(user_id=forms.ann, form_key="par_q", purpose="x"))
    with pytest.raises(FormNotFound):
        await forms.reply(forms.bob, step.response_id, text="no")
    with pytest.raises(FormNotFound):
        await forms.start(StartForm(user_id=forms.ann, form_key="no_such_form", purpose="y"))


async def test_parsed_templates_are_not_shared_between_databases(tmp_path, clock):
    """Parsed templates are cached by row id: the same id in another database is
    another template."""
    from coachbot.storage import migrate
    from coachbot.storage.db import create_engine, create_session_factory

    first, second = shipped_templates()[:2]
    engines = []
    for name, template in (("a", first), ("b", second)):
        url = f"sqlite+aiosqlite:///{tmp_path / name}.sqlite3"
        await migrate.upgrade(url)
        engine = create_engine(url)
        engines.append(engine)
        async with SqlUnitOfWork(create_session_factory(engine)) as uow:
            await uow.forms.add_template(template, now=clock.now())
            await uow.commit()
    try:
        for engine, template in zip(engines, (first, second), strict=True):
            async with SqlUnitOfWork(create_session_factory(engine)) as uow:
                assert await uow.forms.latest_template(template.key) == (1, template)
    finally:
        for engine in engines:
            await engine.dispose()
