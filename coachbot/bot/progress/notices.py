"""Rendering notices about progress in the reader's language and units: celebrations,
badges, goal proposals and decisions, overdue goals, reports, exports."""

from __future__ import annotations

from coachbot.bot.callbacks import (
    ClientAction,
    ClientCardCb,
    GoalAction,
    GoalCb,
    GoalChangeAction,
    GoalChangeCb,
    ProgressCb,
    ReportAction,
    ReportCb,
    metric_token,
)
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import escape, fmt, long_text
from coachbot.bot.notice_kit import Viewpoint, buttons
from coachbot.bot.progress.texts import (
    achievement_title,
    change_summary,
    day,
    measure,
    metric_title,
)
from coachbot.domain.goals import notices
from coachbot.domain.outbox.model import Button, TextPayload
from coachbot.domain.progress.notices import ExportReady, MonthlyReport


def _value(notice: notices.MetricNotice, value: float | None, view: Viewpoint) -> str:
    definition = notice.definition()
    if definition is None or value is None:
        return "—"
    return measure(float(value), definition, view.units, view.language)


def _metric(notice: notices.MetricNotice) -> str:
    definition = notice.definition()
    return metric_title(definition) if definition else _("Goal")


def _chart(notice: notices.MetricNotice) -> ProgressCb:
    return ProgressCb(view=metric_token(notice.metric or "weight"), client_id=0)


def _open_client(notice: notices.ToCoach) -> ClientCardCb:
    return ClientCardCb(client_id=notice.client_id, action=ClientAction.show)


def milestone_reached(notice: notices.MilestoneReached, view: Viewpoint) -> TextPayload:
    text = fmt(
        _(
            "🎉 Milestone reached, {name}! {metric}: {value}, {percent} % of the way to your goal "
            "of {target}. Keep it going!"
        ),
        name=escape(notice.name),
        metric=_metric(notice),
        value=_value(notice, notice.value, view),
        percent=notice.percent,
        target=_value(notice, notice.target, view),
    )
    return TextPayload(text, buttons=buttons((_("📈 My progress"), _chart(notice))))


def milestone_reached_note(notice: notices.MilestoneReachedNote, view: Viewpoint) -> TextPayload:
    text = fmt(
        _("🎉 {client} reached a milestone: {metric} {value}, {percent} % of the way to {target}."),
        client=escape(notice.client),
        metric=_metric(notice),
        value=_value(notice, notice.value, view),
        percent=notice.percent,
        target=_value(notice, notice.target, view),
    )
    return TextPayload(text, buttons=buttons((_("Open client"), _open_client(notice))))


def goal_reached(notice: notices.GoalReached, view: Viewpoint) -> TextPayload:
    text = fmt(
        _(
            "🏆 Goal reached, {name}! {metric}: {value}, your target was {target}. "
            "That took real work: well done."
        ),
        name=escape(notice.name),
        metric=_metric(notice),
        value=_value(notice, notice.value, view),
        target=_value(notice, notice.target, view),
    )
    return TextPayload(text, buttons=buttons((_("📈 My progress"), _chart(notice))))


def goal_reached_note(notice: notices.GoalReachedNote, view: Viewpoint) -> TextPayload:
    text = fmt(
        _("🏆 {client} reached their goal: {metric} {value} (target {target})."),
        client=escape(notice.client),
        metric=_metric(notice),
        value=_value(notice, notice.value, view),
        target=_value(notice, notice.target, view),
    )
    return TextPayload(text, buttons=buttons((_("Open client"), _open_client(notice))))


def _badge(notice: notices.Badge, view: Viewpoint) -> str:
    return achievement_title(notice.key, notice.details, view.units, view.language)


def achievement(notice: notices.AchievementEarned, view: Viewpoint) -> TextPayload:
    text = fmt(_("🏅 New badge: <b>{title}</b>"), title=_badge(notice, view))
    mine = ReportCb(action=ReportAction.achievements)
    return TextPayload(text, buttons=buttons((_("🏅 My achievements"), mine)))


def achievement_note(notice: notices.AchievementNote, view: Viewpoint) -> TextPayload:
    text = fmt(
        _("🏅 {client} earned a badge: {title}"),
        client=escape(notice.client),
        title=_badge(notice, view),
    )
    return TextPayload(text, buttons=buttons((_("Open client"), _open_client(notice))))


def _change(notice: notices.GoalChangeNotice, view: Viewpoint) -> str:
    """ "target 75 kg → 73 kg, date Jun 30 → Jul 31"."""
    return change_summary(
        (notice.old_target, notice.new_target),
        (notice.old_date, notice.new_date),
        notice.definition(),
        view.units,
        view.language,
    )


def _goal_label(notice: notices.GoalChangeNotice | notices.GoalOverdue) -> str:
    return long_text(notice.description, 500) if notice.description else _metric(notice)


def goal_change_proposed(notice: notices.GoalChangeProposed, view: Viewpoint) -> TextPayload:
    text: str = fmt(
        _("🎯 {client} proposes a change to their goal ({goal}): {change}."),
        client=escape(notice.client),
        goal=_goal_label(notice),
        change=_change(notice, view),
    )
    if notice.reason:
        text += "\n" + fmt(_("Reason: {reason}"), reason=long_text(notice.reason, 500))
    actions = (
        (_("✅ Approve"), GoalChangeAction.approve),
        (_("✏️ Adjust"), GoalChangeAction.edit),
        (_("✖️ Decline"), GoalChangeAction.decline),
    )
    row = tuple(
        Button(
            text=label,
            callback_data=GoalChangeCb(action=action, change_id=notice.change_id).pack(),
        )
        for label, action in actions
    )
    return TextPayload(text, buttons=(row,))


def goal_change_decided(notice: notices.GoalChangeDecided, view: Viewpoint) -> TextPayload:
    if notice.status == "approved":
        text = _("✅ Your coach approved your goal change: {change}.")
    elif notice.status == "edited":
        text = _("✏️ Your coach adjusted your proposal. Your goal now: {change}.")
    else:
        text = _("Your coach kept your goal as it is ({goal}). Talk it over at your next check-in.")
    text = fmt(text, change=_change(notice, view), goal=_goal_label(notice))
    goals = GoalCb(action=GoalAction.list)
    return TextPayload(text, buttons=buttons((_("🎯 My goals"), goals)))


def goal_changed(notice: notices.GoalChanged, view: Viewpoint) -> TextPayload:
    text = fmt(
        _("🎯 Your coach updated your goal ({goal}): {change}."),
        goal=_goal_label(notice),
        change=_change(notice, view),
    )
    goals = GoalCb(action=GoalAction.list)
    return TextPayload(text, buttons=buttons((_("🎯 My goals"), goals)))


def goal_overdue(notice: notices.GoalOverdue, view: Viewpoint) -> TextPayload:
    text = fmt(
        _(
            "⏰ The goal of {client} ({goal}, {target}) passed its target date, {date}, without "
            "being reached. Time to adjust it or set a new date?"
        ),
        client=escape(notice.client),
        goal=_goal_label(notice),
        target=_value(notice, notice.target, view),
        date=day(notice.target_date, view.language),
    )
    goals = GoalCb(action=GoalAction.list, client_id=notice.client_id)
    return TextPayload(text, buttons=buttons((_("🎯 Goals"), goals)))


def monthly_report(notice: MonthlyReport, view: Viewpoint) -> TextPayload:
    return TextPayload(
        fmt(
            _("📄 Your progress report for {start} – {end}."),
            start=day(notice.start, view.language),
            end=day(notice.end, view.language),
        )
    )


def export_ready(notice: ExportReady, view: Viewpoint) -> TextPayload:
    text = _("📦 Export of {client}: profile, check-ins, metrics, goals, notes and photos.")
    text = fmt(text, client=escape(notice.client))
    if notice.parts > 1:
        text += " " + fmt(_("Part {part} of {parts}."), part=notice.part, parts=notice.parts)
    return TextPayload(text)
