"""Keyboards of the progress features: the client's menu, metric choices, chart views,
photo check-ins, goals, and the coach's progress menu for one client."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from coachbot.bot.callbacks import (
    CancelCb,
    ClientAction,
    ClientCardCb,
    CustomMetricAction,
    CustomMetricCb,
    GoalAction,
    GoalCb,
    LogAction,
    LogCb,
    NewGoalCb,
    PhotoAction,
    PhotoCb,
    ProgressCb,
    ReportAction,
    ReportCb,
    metric_token,
)
from coachbot.bot.i18n import gettext as _
from coachbot.bot.keyboards import rows_of
from coachbot.bot.markup import as_plain, plain
from coachbot.bot.progress.texts import measure, metric_title
from coachbot.bot.texts import local_date
from coachbot.domain.forms.units import UnitSystem
from coachbot.domain.goals.model import GoalCategory
from coachbot.domain.goals.viewing import GoalsView
from coachbot.domain.people.model import User
from coachbot.domain.progress.measurements import RecentEntry
from coachbot.domain.progress.metrics import MetricDefinition
from coachbot.domain.progress.photos import PhotoCheckin
from coachbot.domain.progress.pictures import PANEL, ProgressPicture
from coachbot.domain.progress.reports import ReportPlan
from coachbot.reports.labels import CATEGORY_NAMES

MAX_METRIC_BUTTONS = 9


def client_menu() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📏 Log a measurement"), callback_data=LogCb(action=LogAction.pick))
    builder.button(text=_("📈 My progress"), callback_data=ProgressCb(view="weight"))
    builder.button(text=_("🎯 My goals"), callback_data=GoalCb(action=GoalAction.list))
    builder.button(
        text=_("🏅 Achievements"), callback_data=ReportCb(action=ReportAction.achievements)
    )
    builder.adjust(2, 2)
    return builder.as_markup()


def metric_choices(definitions: Sequence[MetricDefinition]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for definition in definitions:
        builder.button(
            text=as_plain(metric_title(definition)),
            callback_data=LogCb(action=LogAction.pick, metric=metric_token(definition.key)),
        )
    builder.button(text=_("✏️ Correct an entry"), callback_data=LogCb(action=LogAction.recent))
    builder.button(text=_("Cancel"), callback_data=CancelCb())
    builder.adjust(*rows_of(len(definitions), 3), 1, 1)
    return builder.as_markup()


def after_logging(metric: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📈 Chart"), callback_data=ProgressCb(view=metric_token(metric)))
    builder.button(text=_("➕ Log more"), callback_data=LogCb(action=LogAction.pick))
    builder.button(text=_("✏️ Correct"), callback_data=LogCb(action=LogAction.recent))
    builder.adjust(3)
    return builder.as_markup()


def recent_entries(entries: Sequence[RecentEntry], user: User) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    units = UnitSystem(user.units)
    for item in entries:
        if item.definition is None:
            continue
        when = local_date(item.entry.measured_at.astimezone(ZoneInfo(user.timezone)).date(), user)
        value = measure(item.entry.value, item.definition, units, user.language)
        builder.button(
            text=as_plain(f"{when} · {metric_title(item.definition)} {value}"),
            callback_data=LogCb(action=LogAction.entry, entry_id=item.entry.id or 0),
        )
    builder.button(text=_("Cancel"), callback_data=CancelCb())
    builder.adjust(1)
    return builder.as_markup()


def entry_actions(entry_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✏️ Change the value"),
        callback_data=LogCb(action=LogAction.change, entry_id=entry_id),
    )
    builder.button(
        text=_("🗑 Delete"), callback_data=LogCb(action=LogAction.delete, entry_id=entry_id)
    )
    builder.button(text=_("⬅ Back"), callback_data=LogCb(action=LogAction.recent))
    builder.adjust(2, 1)
    return builder.as_markup()


def confirm_delete(entry_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🗑 Yes, delete it"),
        callback_data=LogCb(action=LogAction.confirm_delete, entry_id=entry_id),
    )
    builder.button(text=_("Cancel"), callback_data=CancelCb())
    builder.adjust(2)
    return builder.as_markup()


def chart_views(picture: ProgressPicture, client_id: int) -> InlineKeyboardMarkup:
    """The other charts of the same person, their photos and goals."""
    builder = InlineKeyboardBuilder()
    shown = picture.measured[:MAX_METRIC_BUTTONS]
    for definition in shown:
        mark = "• " if definition.key == picture.metric else ""
        builder.button(
            text=mark + metric_title(definition),
            callback_data=ProgressCb(view=metric_token(definition.key), client_id=client_id),
        )
    extra = [
        (_("🗂 All in one"), ProgressCb(view=PANEL, client_id=client_id)),
        (_("📷 Photos"), PhotoCb(action=PhotoAction.compare, client_id=client_id)),
        (_("🎯 Goals"), GoalCb(action=GoalAction.list, client_id=client_id)),
    ]
    if client_id:
        extra.append((_("⬅ Client"), ClientCardCb(client_id=client_id)))
    for label, data in extra:
        builder.button(text=label, callback_data=data)
    builder.adjust(*rows_of(len(shown), 3), 3, 1)
    return builder.as_markup()


def photo_checkins(
    checkins: Sequence[PhotoCheckin], user: User, client_id: int, *, before: int = 0
) -> InlineKeyboardMarkup:
    """Choose the earlier check-in, then (`before` given) the later one."""
    builder = InlineKeyboardBuilder()
    for checkin in checkins:
        label = f"{local_date(checkin.taken.date(), user)} · 📷 {checkin.photos}"
        if before:
            data = PhotoCb(
                action=PhotoAction.compare,
                client_id=client_id,
                before=before,
                after=checkin.checkin_id,
            )
        else:
            data = PhotoCb(
                action=PhotoAction.before, client_id=client_id, before=checkin.checkin_id
            )
        builder.button(text=label, callback_data=data)
    builder.button(text=_("Cancel"), callback_data=CancelCb())
    builder.adjust(2)
    return builder.as_markup()


def after_comparison(client_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("📅 Other check-ins"),
        callback_data=PhotoCb(action=PhotoAction.choose, client_id=client_id),
    )
    builder.button(
        text=_("📈 Charts"), callback_data=ProgressCb(view="weight", client_id=client_id)
    )
    builder.adjust(2)
    return builder.as_markup()


def goals(view: GoalsView, *, coach: bool) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    client_id = (view.client.id or 0) if coach else 0
    several = len(view.goals) > 1
    widths = []
    for number, card in enumerate(view.goals, start=1):
        goal = card.progress.goal
        if not goal.active:
            continue
        suffix = f" {number}" if several else ""
        row = []
        if coach:
            row.append((_("✏️ Change") + suffix, GoalAction.edit))
        elif card.pending is None:
            row.append((_("✏️ Propose a change") + suffix, GoalAction.propose))
        if goal.measurable:
            row.append((_("🏁 Milestones") + suffix, GoalAction.milestones))
        if coach:
            row.append((_("🗄 Close") + suffix, GoalAction.close))
        for label, action in row:
            builder.button(
                text=label,
                callback_data=GoalCb(action=action, goal_id=goal.id or 0, client_id=client_id),
            )
        if row:
            widths.append(len(row))
    if coach:
        builder.button(
            text=_("➕ New goal"), callback_data=GoalCb(action=GoalAction.new, client_id=client_id)
        )
        builder.button(text=_("⬅ Client"), callback_data=ClientCardCb(client_id=client_id))
        widths.append(2)
    if not widths:
        return None
    builder.adjust(*widths)
    return builder.as_markup()


def goal_categories() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for category in GoalCategory:
        builder.button(
            text=_(CATEGORY_NAMES[category.value]),
            callback_data=NewGoalCb(field="category", value=category.value),
        )
    builder.button(text=_("Cancel"), callback_data=CancelCb())
    builder.adjust(2, 2, 1, 1)
    return builder.as_markup()


def goal_metrics(options: Sequence[MetricDefinition]) -> InlineKeyboardMarkup:
    """What a new goal is measured in, or none (then it is described)."""
    builder = InlineKeyboardBuilder()
    for definition in options:
        builder.button(
            text=as_plain(metric_title(definition)),
            callback_data=NewGoalCb(field="metric", value=metric_token(definition.key)),
        )
    builder.button(text=_("No metric: describe it"), callback_data=NewGoalCb(field="metric"))
    builder.button(text=_("Cancel"), callback_data=CancelCb())
    builder.adjust(3)
    return builder.as_markup()


def milestone_choices(goal_id: int, client_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✨ Suggested (every 25 %)"),
        callback_data=GoalCb(action=GoalAction.suggest, goal_id=goal_id, client_id=client_id),
    )
    builder.button(text=_("Cancel"), callback_data=CancelCb())
    builder.adjust(1)
    return builder.as_markup()


def coach_progress_menu(client_id: int, plan: ReportPlan | None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    monthly_on = plan is not None and plan.active
    buttons = [
        (_("📈 Charts"), ProgressCb(view="weight", client_id=client_id)),
        (_("📷 Photos"), PhotoCb(action=PhotoAction.compare, client_id=client_id)),
        (_("🎯 Goals"), GoalCb(action=GoalAction.list, client_id=client_id)),
        (_("🏅 Achievements"), ReportCb(action=ReportAction.achievements, client_id=client_id)),
        (_("📄 PDF report (30 days)"), ReportCb(action=ReportAction.pdf, client_id=client_id)),
        (
            _("📅 Monthly report: on") if monthly_on else _("📅 Monthly report: off"),
            ReportCb(
                action=ReportAction.monthly_off if monthly_on else ReportAction.monthly_on,
                client_id=client_id,
            ),
        ),
        (_("📊 Measurements (CSV)"), ReportCb(action=ReportAction.csv, client_id=client_id)),
        (
            _("📦 Export everything (ZIP)"),
            ReportCb(action=ReportAction.export, client_id=client_id),
        ),
        (
            _("📏 New metric for this client"),
            CustomMetricCb(action=CustomMetricAction.new, client_id=client_id),
        ),
        (_("⬅ Client"), ClientCardCb(client_id=client_id, action=ClientAction.show)),
    ]
    for label, data in buttons:
        builder.button(text=label, callback_data=data)
    builder.adjust(2, 2, 1, 1, 2, 1, 1)
    return builder.as_markup()


def custom_metrics(metric_ids: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for metric_id, name in metric_ids:
        builder.button(
            text=plain(_("🗄 Archive {name}"), name=name),
            callback_data=CustomMetricCb(action=CustomMetricAction.archive, metric_id=metric_id),
        )
    builder.button(
        text=_("➕ New metric"), callback_data=CustomMetricCb(action=CustomMetricAction.new)
    )
    builder.adjust(1)
    return builder.as_markup()
