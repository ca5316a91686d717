"""The intake page of the coach's PDF report: the health screen's flags and injuries
first, then every answer of the initial assessment and the health screen."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, Spacer

from coachbot.domain.forms.questions import Question, QuestionKind, Text
from coachbot.domain.onboarding.intake import Intake, IntakeAnswer
from coachbot.domain.progress.metrics import builtin_definition
from coachbot.domain.progress.views import Viewpoint
from coachbot.reports.labels import N_, Translate, long_date, measure, number


def intake_story(
    intake: Intake, view: Viewpoint, t: Translate, styles: dict[str, ParagraphStyle]
) -> list:
    """The page for an intake that was given (`intake.empty` has none)."""
    language = view.language
    zone = ZoneInfo(view.timezone)
    story: list = [Paragraph(escape(t(language, N_("Intake & health"))), styles["h2"])]
    if intake.flagged:
        answered = long_date(intake.flagged[0].answered_at.astimezone(zone).date(), language)
        heading = t(language, N_("To check before training (answered {date})"))
        story.append(Paragraph(f"<b>{escape(heading.format(date=answered))}</b>", styles["body"]))
        story += [_answer(line, view, t, styles) for line in intake.flagged]
    else:
        story.append(
            Paragraph(escape(t(language, N_("No health flags and no injuries."))), styles["body"])
        )
    for form in intake.forms:
        day = long_date(form.completed_at.astimezone(zone).date(), language)
        story.append(Spacer(1, 0.3 * cm))
        story.append(
            Paragraph(f"<b>{escape(_wording(form.title, language))}</b> · {day}", styles["body"])
        )
        story += [_answer(line, view, t, styles) for line in form.answers]
    return story


def _answer(
    line: IntakeAnswer, view: Viewpoint, t: Translate, styles: dict[str, ParagraphStyle]
) -> Paragraph:
    answer = answer_text(line.question, line.value, view, t)
    for question, value in line.details:
        answer += " — " + answer_text(question, value, view, t)
    prompt = _wording(line.question.prompt, view.language)
    return Paragraph(f"{escape(prompt)} <b>{escape(answer)}</b>", styles["cell"])


def answer_text(question: Question, value: Any, view: Viewpoint, t: Translate) -> str:
    """An answer in the reader's language and units."""
    language = view.language
    if value is None:
        return "—"
    if question.kind is QuestionKind.metric and question.metric is not None:
        return measure(float(value), builtin_definition(question.metric), view.units, language)
    if question.kind is QuestionKind.yes_no:
        return t(language, N_("Yes") if value else N_("No"))
    if question.kind is QuestionKind.scale:
        return f"{value}/{question.scale[1]}"
    if question.kind is QuestionKind.number:
        shown = number(float(value), language, question.decimals)
        return f"{shown} {question.unit or ''}".strip()
    if question.kind in (QuestionKind.single_choice, QuestionKind.multi_choice):
        labels = {option.key: _wording(option.label, language) for option in question.options}
        keys = value if isinstance(value, list) else [value]
        return ", ".join(str(labels.get(key, key)) for key in keys)
    return str(value)


def _wording(text: Text, language: str) -> str:
    return text.get(language) or text["en"]
