"""Editing a check-in form: each edit returns the next version of the form.

Versions never change once stored, so a check-in already begun keeps the questions it
started with while new check-ins get the edited ones.
"""

from __future__ import annotations

from dataclasses import replace

from coachbot.domain.forms.questions import Question, QuestionKind, Text
from coachbot.domain.forms.templates import FormTemplate
from coachbot.domain.forms.units import PLAUSIBLE_RANGES
from coachbot.domain.shared.errors import InvalidDetailError

MAX_QUESTIONS = 30


def _next(form: FormTemplate, questions: list[Question]) -> FormTemplate:
    return replace(form, version=form.version + 1, questions=tuple(questions))


def new_question_key(form: FormTemplate) -> str:
    taken = {question.key for question in form.questions}
    number = len(form.questions) + 1
    while f"q{number}" in taken:
        number += 1
    return f"q{number}"


def add_question(form: FormTemplate, question: Question) -> FormTemplate:
    if len(form.questions) >= MAX_QUESTIONS:
        raise InvalidDetailError("questions", "too_many")
    if question.kind is QuestionKind.metric and question.metric is not None:
        low, high = PLAUSIBLE_RANGES[question.metric]
        question = replace(
            question,
            minimum=low if question.minimum is None else question.minimum,
            maximum=high if question.maximum is None else question.maximum,
        )
    return _next(form, [*form.questions, question])


def remove_question(form: FormTemplate, key: str) -> FormTemplate:
    questions = list(form.questions)
    question = form.question(key)
    if len(questions) == 1:
        raise InvalidDetailError("questions", "last_one")
    if any(q.show_if and q.show_if.key == key for q in questions):
        raise InvalidDetailError("questions", "others_depend")
    questions.remove(question)
    return _next(form, questions)


def move_question(form: FormTemplate, key: str, offset: int) -> FormTemplate:
    """Move a question up (-1) or down (+1); a follow-up never moves above the question
    it depends on (the template refuses that)."""
    questions = list(form.questions)
    index = questions.index(form.question(key))
    target = index + offset
    if not 0 <= target < len(questions):
        return form
    questions[index], questions[target] = questions[target], questions[index]
    try:
        return _next(form, questions)
    except ValueError:
        raise InvalidDetailError("questions", "order_breaks_condition") from None


def toggle_optional(form: FormTemplate, key: str) -> FormTemplate:
    questions = [replace(q, optional=not q.optional) if q.key == key else q for q in form.questions]
    form.question(key)  # KeyError for an unknown question
    return _next(form, questions)


def copy_as(form: FormTemplate, key: str, title: Text | None = None) -> FormTemplate:
    """The shipped form as the first version of a coach's own form (retitled if given)."""
    return replace(form, key=key, version=1, title=title or form.title)
