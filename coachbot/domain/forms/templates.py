"""Forms as data: a template is a versioned list of questions, stored as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coachbot.domain.forms.questions import Option, Question, QuestionKind, ShowIf, Text
from coachbot.domain.forms.units import Metric


@dataclass(frozen=True)
class FormTemplate:
    key: str
    version: int
    title: Text
    questions: tuple[Question, ...]

    def __post_init__(self) -> None:
        keys = [question.key for question in self.questions]
        if len(set(keys)) != len(keys):
            raise ValueError(f"form {self.key!r} repeats a question key")
        for index, question in enumerate(self.questions):
            if question.show_if and question.show_if.key not in keys[:index]:
                raise ValueError(f"{question.key!r} depends on a question that comes later")

    def question(self, key: str) -> Question:
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)

    def to_data(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "version": self.version,
            "title": dict(self.title),
            "questions": [_question_data(question) for question in self.questions],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> FormTemplate:
        return cls(
            key=data["key"],
            version=int(data["version"]),
            title=data["title"],
            questions=tuple(_question(item) for item in data["questions"]),
        )


def _question(data: dict[str, Any]) -> Question:
    values = dict(data)
    values["kind"] = QuestionKind(values["kind"])
    if "options" in values:
        values["options"] = tuple(Option(o["key"], o["label"]) for o in values["options"])
    if "show_if" in values:
        condition = values["show_if"]
        values["show_if"] = ShowIf(
            condition["key"], condition.get("equals"), tuple(condition.get("among", ()))
        )
    if "metric" in values:
        values["metric"] = Metric(values["metric"])
    if "scale" in values:
        values["scale"] = tuple(values["scale"])
    return Question(**values)


def _question_data(question: Question) -> dict[str, Any]:
    """Only what differs from the defaults, so stored forms stay readable."""
    defaults = Question(key="-", kind=QuestionKind.text, prompt={"en": "-"})
    data: dict[str, Any] = {}
    for name in question.__dataclass_fields__:
        value = getattr(question, name)
        if name not in ("key", "kind", "prompt") and value == getattr(defaults, name):
            continue
        data[name] = value
    data["kind"] = question.kind.value
    if question.metric is not None:
        data["metric"] = question.metric.value
    if question.options:
        data["options"] = [{"key": o.key, "label": dict(o.label)} for o in question.options]
    if question.show_if is not None:
        condition = question.show_if
        data["show_if"] = (
            {"key": condition.key, "among": list(condition.among)}
            if condition.among
            else {"key": condition.key, "equals": condition.equals}
        )
    if "scale" in data:
        data["scale"] = list(question.scale)
    return data
