"""How check-in templates look in chat: the list, one template with its questions, and
the refusals of an edit."""

from __future__ import annotations

from coachbot.bot.callbacks import TemplateAction
from coachbot.bot.forms.rendering import wording
from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.markup import escape, fmt, join, stack
from coachbot.domain.checkins.setup import TemplateView
from coachbot.domain.checkins.templates import MAX_QUESTIONS
from coachbot.domain.forms.questions import Question, QuestionKind
from coachbot.domain.forms.units import Metric
from coachbot.domain.shared.errors import InvalidDetailError


def edit_done(action: TemplateAction, view: TemplateView, key: str) -> str:
    if action is TemplateAction.optional:
        return _("Now optional.") if view.form.question(key).optional else _("Now required.")
    number = [q.key for q in view.form.questions].index(key) + 1
    return fmt(_("Now question {number}."), number=number)


def render_templates(views: list[TemplateView]) -> str:
    lines = [_("<b>Your check-in templates</b>")]
    for number, view in enumerate(views, start=1):
        count = len(view.form.questions)
        questions = fmt(ngettext("{count} question", "{count} questions", count), count=count)
        lines.append(
            fmt(
                "{number}. {name} · {questions}",
                number=number,
                name=view.template.name,
                questions=questions,
            )
        )
    lines += ["", _("Tap a template to see and change its questions.")]
    return stack(lines)


def render_template(view: TemplateView, language: str, selected: str | None = None) -> str:
    """The questions numbered, each with its kind and whether it can be skipped; the
    `selected` one stands out."""
    questions = view.form.questions
    count = len(questions)
    limit = 80 if count <= 20 else 50  # a message holds 4096 characters
    numbers = {question.key: number for number, question in enumerate(questions, start=1)}
    lines = [
        fmt(
            "<b>{name}</b> · {count}",
            name=view.template.name,
            count=fmt(ngettext("{count} question", "{count} questions", count), count=count),
        ),
        "",
    ]
    for number, question in enumerate(questions, start=1):
        details = [kind_label(question)]
        if question.show_if is not None and question.show_if.key in numbers:
            details.append(fmt(_("follow-up to {number}"), number=numbers[question.show_if.key]))
        if question.optional:
            details.append(_("optional"))
        prompt = escape(shorten(wording(question.prompt, language), limit))
        line = fmt(
            "{number}. {prompt} · {details}",
            number=number,
            prompt=prompt,
            details=join(" · ", details),
        )
        lines.append(fmt("👉 <b>{line}</b>", line=line) if question.key == selected else line)
    lines.append("")
    if selected is not None and selected in numbers:
        question = view.form.question(selected)
        if question.options:
            labels = join(", ", (wording(o.label, language) for o in question.options))
            lines.append(fmt(_("Options: {options}"), options=labels))
        lines.append(
            fmt(
                _("Question {number}: move it, make it optional or required, or remove it."),
                number=numbers[selected],
            )
        )
    else:
        lines.append(
            _(
                "Tap a question to move it, make it optional or remove it. Changes apply to "
                "check-ins from now on; those already started keep their questions."
            )
        )
    return stack(lines)


def kind_label(question: Question) -> str:
    match question.kind:
        case QuestionKind.number if question.unit:
            return fmt(_("number ({unit})"), unit=escape(question.unit))
        case QuestionKind.scale:
            return fmt(_("scale {low}–{high}"), low=question.scale[0], high=question.scale[1])
        case QuestionKind.single_choice:
            return fmt(_("one choice of {count}"), count=len(question.options))
        case QuestionKind.multi_choice:
            return fmt(_("several choices of {count}"), count=len(question.options))
        case QuestionKind.photo:
            count = question.max_photos
            return fmt(ngettext("up to {count} photo", "up to {count} photos", count), count=count)
        case QuestionKind.metric if question.metric is not None:
            return fmt(_("measurement: {metric}"), metric=metric_name(question.metric))
    labels = {
        QuestionKind.text: _("text"),
        QuestionKind.number: _("number"),
        QuestionKind.yes_no: _("yes/no"),
        QuestionKind.date: _("date"),
        QuestionKind.timezone: _("time zone"),
        QuestionKind.time: _("time of day"),
    }
    return labels.get(question.kind, question.kind.value)


def metric_name(metric: Metric) -> str:
    names = {
        Metric.weight: _("Weight"),
        Metric.height: _("Height"),
        Metric.waist: _("Waist"),
        Metric.hips: _("Hips"),
        Metric.chest: _("Chest"),
        Metric.arm: _("Arm"),
        Metric.thigh: _("Thigh"),
        Metric.body_fat: _("Body fat"),
    }
    return names[metric]


def explain_edit_refusal(error: InvalidDetailError) -> str:
    texts = {
        "last_one": _("A template needs at least one question, so this one cannot be removed."),
        "others_depend": _(
            "Another question is asked only after a certain answer to this one. Remove that "
            "follow-up question first."
        ),
        "order_breaks_condition": _(
            "A follow-up question has to stay below the question it depends on."
        ),
        "too_many": fmt(_("A template can have {count} questions at most."), count=MAX_QUESTIONS),
        "unknown": _("That question is no longer in this template."),
    }
    return texts.get(error.code, _("That change is not possible."))


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def kind_name(kind: QuestionKind) -> str:
    names = {
        QuestionKind.text: _("Text"),
        QuestionKind.number: _("Number"),
        QuestionKind.scale: _("Scale 1–10"),
        QuestionKind.single_choice: _("One choice"),
        QuestionKind.multi_choice: _("Several choices"),
        QuestionKind.yes_no: _("Yes/No"),
        QuestionKind.date: _("Date"),
        QuestionKind.photo: _("Photos"),
        QuestionKind.metric: _("Measurement"),
    }
    return names[kind]


def photos_label(count: int) -> str:
    return fmt(ngettext("Up to {count} photo", "Up to {count} photos", count), count=count)
