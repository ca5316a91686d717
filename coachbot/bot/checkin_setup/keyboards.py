"""The check-in setup keyboards: templates, a template's questions, and the steps of
adding a question."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from coachbot.bot.callbacks import CancelCb, TemplateAction, TemplateCb
from coachbot.bot.checkin_setup.texts import kind_name, metric_name, shorten
from coachbot.bot.forms.rendering import wording
from coachbot.bot.i18n import gettext as _
from coachbot.domain.checkins.setup import TemplateView
from coachbot.domain.forms.questions import QuestionKind
from coachbot.domain.forms.units import Metric

TEMPLATE_LIST = 0  # TemplateCb(template_id=0, action=show): back to the list of templates


def templates_keyboard(views: list[TemplateView]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for view in views:
        builder.button(
            text=shorten(view.template.name, 40),
            callback_data=TemplateCb(template_id=view.template.id or 0, action=TemplateAction.show),
        )
    builder.button(
        text=_("➕ New template"),
        callback_data=TemplateCb(template_id=TEMPLATE_LIST, action=TemplateAction.new),
    )
    builder.adjust(1)
    return builder.as_markup()


def template_keyboard(view: TemplateView, language: str) -> InlineKeyboardMarkup:
    template_id = view.template.id or 0
    builder = InlineKeyboardBuilder()
    for number, question in enumerate(view.form.questions, start=1):
        builder.button(
            text=f"{number}. " + shorten(wording(question.prompt, language), 30),
            callback_data=TemplateCb(
                template_id=template_id, action=TemplateAction.question, value=question.key
            ),
        )
    builder.button(
        text=_("➕ Add question"),
        callback_data=TemplateCb(template_id=template_id, action=TemplateAction.add),
    )
    builder.button(
        text=_("⬅ Templates"),
        callback_data=TemplateCb(template_id=TEMPLATE_LIST, action=TemplateAction.show),
    )
    builder.adjust(1)
    return builder.as_markup()


def question_keyboard(view: TemplateView, key: str, language: str) -> InlineKeyboardMarkup:
    template_id = view.template.id or 0
    keys = [q.key for q in view.form.questions]
    question = view.form.question(key)

    def button(label: str, action: TemplateAction, value: str = key) -> None:
        builder.button(
            text=label,
            callback_data=TemplateCb(template_id=template_id, action=action, value=value),
        )

    builder = InlineKeyboardBuilder()
    moves = 0
    if keys[0] != key:
        button(_("⬆ Up"), TemplateAction.up)
        moves += 1
    if keys[-1] != key:
        button(_("⬇ Down"), TemplateAction.down)
        moves += 1
    button(
        _("Optional → make required") if question.optional else _("Required → make optional"),
        TemplateAction.optional,
    )
    button(_("🗑 Remove"), TemplateAction.remove)
    button(_("⬅ Back"), TemplateAction.show, "")
    builder.adjust(*([moves] if moves else []), 1, 1, 1)
    return builder.as_markup()


KINDS = (
    QuestionKind.text,
    QuestionKind.number,
    QuestionKind.scale,
    QuestionKind.single_choice,
    QuestionKind.multi_choice,
    QuestionKind.yes_no,
    QuestionKind.date,
    QuestionKind.photo,
    QuestionKind.metric,
)
METRICS = (
    Metric.weight,
    Metric.waist,
    Metric.hips,
    Metric.chest,
    Metric.arm,
    Metric.thigh,
    Metric.body_fat,
)
PHOTO_BUTTONS = ("1", "3")
# The steps' buttons: TemplateCb(action=add) whose value answers the step ("" starts).
OPTIONAL, REQUIRED = "yes", "no"


def kind_keyboard(template_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for kind in KINDS:
        builder.button(
            text=kind_name(kind),
            callback_data=TemplateCb(
                template_id=template_id, action=TemplateAction.kind, value=kind.value
            ),
        )
    builder.button(text=_("Cancel"), callback_data=CancelCb())
    builder.adjust(2, 2, 2, 2, 1, 1)
    return builder.as_markup()


def metric_keyboard(template_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for metric in METRICS:
        builder.button(
            text=metric_name(metric),
            callback_data=TemplateCb(
                template_id=template_id, action=TemplateAction.metric, value=metric.value
            ),
        )
    builder.button(text=_("Cancel"), callback_data=CancelCb())
    builder.adjust(3, 3, 1, 1)
    return builder.as_markup()


def photos_keyboard(template_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for value in PHOTO_BUTTONS:
        builder.button(
            text=value,
            callback_data=TemplateCb(
                template_id=template_id, action=TemplateAction.add, value=value
            ),
        )
    builder.button(text=_("Cancel"), callback_data=CancelCb())
    builder.adjust(len(PHOTO_BUTTONS), 1)
    return builder.as_markup()


def optional_keyboard(template_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for label, value in ((_("Yes, optional"), OPTIONAL), (_("No, required"), REQUIRED)):
        builder.button(
            text=label,
            callback_data=TemplateCb(
                template_id=template_id, action=TemplateAction.add, value=value
            ),
        )
    builder.button(text=_("Cancel"), callback_data=CancelCb())
    builder.adjust(2, 1)
    return builder.as_markup()
