"""A client's intake as their coach reads it: the initial assessment and the health
screen (PAR-Q), with every yes to a yes/no question (a health flag, an injury) first,
its details beside it, because those are what to check before training starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coachbot.domain.forms.progress import applies
from coachbot.domain.forms.questions import Question, QuestionKind, Text
from coachbot.domain.forms.responses import FormResponse
from coachbot.domain.onboarding.use_cases import ASSESSMENT, HEALTH
from coachbot.domain.people.clients import client_of_coach
from coachbot.domain.people.model import Client, User
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

INTAKE = (HEALTH, ASSESSMENT)  # the health screen's flags come before the injuries


@dataclass(frozen=True)
class IntakeAnswer:
    question: Question
    value: Any  # None when skipped
    answered_at: datetime  # when the form was completed
    details: tuple[tuple[Question, Any], ...] = ()  # follow-ups: "Which condition?"
    flagged: bool = False  # a yes to a yes/no question: something to check


@dataclass(frozen=True)
class IntakeForm:
    purpose: str
    title: Text
    completed_at: datetime
    answers: tuple[IntakeAnswer, ...]  # the answers not flagged, in the form's order


@dataclass(frozen=True)
class Intake:
    client: Client
    user: User | None
    flagged: tuple[IntakeAnswer, ...]
    forms: tuple[IntakeForm, ...]  # those completed, assessment first

    @property
    def empty(self) -> bool:
        return not self.forms


def intake_forms(responses: list[FormResponse]) -> tuple[list[IntakeAnswer], list[IntakeForm]]:
    """The flagged answers of all the responses, then each response's other answers."""
    flagged: list[IntakeAnswer] = []
    forms = []
    for response in responses:
        when = response.completed_at or response.updated_at
        answers = response.progress.answers
        followed = {
            q.key: q.show_if.key for q in response.template.questions if q.show_if is not None
        }
        rest: list[IntakeAnswer] = []
        for question in response.template.questions:
            if question.key in followed or not applies(question, answers):
                continue  # a follow-up is shown with the answer it follows
            details = tuple(
                (q, answers.get(q.key))
                for q in response.template.questions
                if followed.get(q.key) == question.key and q.key in answers
            )
            value = answers.get(question.key)
            flag = question.kind is QuestionKind.yes_no and value is True
            line = IntakeAnswer(question, value, when, details, flag)
            (flagged if flag else rest).append(line)
        forms.append(IntakeForm(response.purpose, response.template.title, when, tuple(rest)))
    order = {purpose: index for index, purpose in enumerate(reversed(INTAKE))}
    forms.sort(key=lambda form: order[form.purpose])
    return flagged, forms


async def load_intake(uow: UnitOfWork, client: Client) -> Intake:
    """The intake of `client` (nothing for a client who has not joined yet)."""
    if client.user_id is None:
        return Intake(client, None, (), ())
    user = await uow.users.get(client.user_id)
    responses = [
        response
        for purpose in INTAKE
        if (response := await uow.forms.completed_response(user_id=client.user_id, purpose=purpose))
    ]
    flagged, forms = intake_forms(responses)
    return Intake(client, user, tuple(flagged), tuple(forms))


def intake_rows(intake: Intake) -> list[dict[str, Any]]:
    """One row per answer, for the export: flagged ones first, follow-ups after theirs."""
    rows = []
    lines = [*intake.flagged, *(line for form in intake.forms for line in form.answers)]
    for line in lines:
        for question, value in ((line.question, line.value), *line.details):
            rows.append(
                {
                    "answered_at": line.answered_at,
                    "question": question.key,
                    "prompt": question.prompt.get("en", ""),
                    "kind": question.kind.value,
                    "answer": value,
                    "flagged": line.flagged,
                }
            )
    return rows


@dataclass(frozen=True, kw_only=True)
class ShowIntake:
    coach_id: int | None
    client_id: int


class ShowIntakeUseCase:
    """A coach reads the intake of one of their clients."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: ShowIntake) -> Intake:
        async with self._uow() as uow:
            client = await client_of_coach(uow, cmd.coach_id, cmd.client_id)
            return await load_intake(uow, client)
