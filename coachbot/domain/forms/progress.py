"""Where someone is in a form: answers so far and the path taken, for Back and resume.

Progress is plain data, saved after every answer, so an interrupted form resumes at the
question where it stopped, on any process, after any restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from coachbot.domain.forms.questions import InvalidAnswer, Question
from coachbot.domain.forms.templates import FormTemplate

SKIPPED = None  # the stored value of a skipped optional question


@dataclass(frozen=True)
class FormProgress:
    answers: dict[str, Any] = field(default_factory=dict)
    path: tuple[str, ...] = ()  # question keys in the order they were answered or skipped
    # Photos received so far for the current photo question (photo ids), until Done or
    # until as many as the question takes have arrived.
    collecting: tuple[int, ...] = ()

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"answers": dict(self.answers), "path": list(self.path)}
        if self.collecting:
            data["collecting"] = list(self.collecting)
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> FormProgress:
        return cls(
            dict(data.get("answers", {})),
            tuple(data.get("path", ())),
            tuple(data.get("collecting", ())),
        )


def current_question(form: FormTemplate, progress: FormProgress) -> Question | None:
    """The next question to ask, or None when the form is complete."""
    for question in form.questions:
        if question.key not in progress.answers and applies(question, progress.answers):
            return question
    return None


def applies(question: Question, answers: dict[str, Any]) -> bool:
    """Whether `question` is asked, given the answers before it."""
    return question.show_if is None or question.show_if.holds(answers)


def record(form: FormTemplate, progress: FormProgress, value: Any) -> FormProgress:
    """Store the answer to the current question (already read and checked)."""
    question = _require_current(form, progress)
    return replace(
        progress,
        answers={**progress.answers, question.key: value},
        path=(*progress.path, question.key),
        collecting=(),
    )


def collect_photo(form: FormTemplate, progress: FormProgress, photo_id: int) -> FormProgress:
    """Add a photo to the current photo question's answer; once it has as many as the
    question takes, the answer is recorded and the form moves on."""
    question = _require_current(form, progress)
    collected = [*progress.collecting, photo_id]
    if len(collected) > question.max_photos:
        raise InvalidAnswer("too_many_photos", maximum=question.max_photos)
    question.photos(collected)  # checks the kind
    if len(collected) == question.max_photos:
        return record(form, progress, collected)
    return replace(progress, collecting=tuple(collected))


def finish_photos(form: FormTemplate, progress: FormProgress) -> FormProgress:
    """Done: the photos received so far are the answer."""
    question = _require_current(form, progress)
    return record(form, progress, question.photos(list(progress.collecting)))


def skip(form: FormTemplate, progress: FormProgress) -> FormProgress:
    question = _require_current(form, progress)
    if not question.optional:
        raise InvalidAnswer("required")
    return record(form, progress, SKIPPED)


def back(form: FormTemplate, progress: FormProgress) -> FormProgress:
    """Return to the previous question, forgetting its answer (and nothing else)."""
    if progress.collecting:  # Back while sending photos starts the photos again
        return replace(progress, collecting=())
    if not progress.path:
        raise InvalidAnswer("at_start")
    *earlier, last = progress.path
    answers = {key: value for key, value in progress.answers.items() if key != last}
    return FormProgress(_drop_unreachable(form, answers), tuple(earlier))


def _drop_unreachable(form: FormTemplate, answers: dict[str, Any]) -> dict[str, Any]:
    """Answers to follow-up questions whose condition no longer holds are dropped."""
    kept: dict[str, Any] = {}
    for question in form.questions:
        if question.key in answers and applies(question, kept):
            kept[question.key] = answers[question.key]
    return kept


def is_complete(form: FormTemplate, progress: FormProgress) -> bool:
    return current_question(form, progress) is None


def _require_current(form: FormTemplate, progress: FormProgress) -> Question:
    question = current_question(form, progress)
    if question is None:
        raise InvalidAnswer("form_complete")
    return question
