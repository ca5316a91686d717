"""Notices about progress, rendered in the recipient's language and units when sent:
celebrations, badges, goal proposals and decisions, overdue goals, reports, exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.filters.callback_data import CallbackData

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
from coachbot.bot.progress.texts import (
    achievement_title,
    change_summary,
    day,
    measure,
    metric_title,
)
from coachbot.bot.texts import escape
from coachbot.domain.forms.units import UnitSystem
from coachbot.domain.outbox.model import Button, Keyboard, TextPayload
from coachbot.domain.progress.metrics import definition_from_params


def _buttons(*pairs: tuple[str, CallbackData]) -> Keyboard:
    return tuple((Button(text=label, callback_data=data.pack()),) for label, data in pairs)


def _value(params: dict[str, Any], key: str) -> str:
    definition = definition_from_params(params)
    value = params.get(key)
    if definition is None or value is None:
        return "—"
    return measure(float(value), definition, UnitSystem(params["units"]), params["locale"])


def _metric(params: dict[str, Any]) -> str:
    definition = definition_from_params(params)
    return metric_title(definition) if definition else _("Goal")


def _chart(params: dict[str, Any], client_id: int = 0) -> ProgressCb:
    return ProgressCb(view=metric_token(params.get("metric") or "weight"), client_id=client_id)


def _open_client(params: dict[str, Any]) -> ClientCardCb:
    return ClientCardCb(client_id=params["client_id"], action=ClientAction.show)


def _milestone_reached(params: dict[str, Any]) -> TextPayload:
    text = _(
        "🎉 Milestone reached, {name}! {metric}: {value}, {percent} % of the way to your goal "
        "of {target}. Keep it going!"
    ).format(
        name=escape(params["name"]),
        metric=_metric(params),
        value=_value(params, "value"),
        percent=params["percent"],
        target=_value(params, "target"),
    )
    return TextPayload(text, buttons=_buttons((_("📈 My progress"), _chart(params))))


def _milestone_reached_note(params: dict[str, Any]) -> TextPayload:
    text = _(
        "🎉 {client} reached a milestone: {metric} {value}, {percent} % of the way to {target}."
    ).format(
        client=escape(params["client"]),
        metric=_metric(params),
        value=_value(params, "value"),
        percent=params["percent"],
        target=_value(params, "target"),
    )
    return TextPayload(text, buttons=_buttons((_("Open client"), _open_client(params))))


def _goal_reached(params: dict[str, Any]) -> TextPayload:
    text = _(
        "🏆 Goal reached, {name}! {metric}: {value}, your target was {target}. "
        "That took real work: well done."
    ).format(
        name=escape(params["name"]),
        metric=_metric(params),
        value=_value(params, "value"),
        target=_value(params, "target"),
    )
    return TextPayload(text, buttons=_buttons((_("📈 My progress"), _chart(params))))


def _goal_reached_note(params: dict[str, Any]) -> TextPayload:
    text = _("🏆 {client} reached their goal: {metric} {value} (target {target}).").format(
        client=escape(params["client"]),
        metric=_metric(params),
        value=_value(params, "value"),
        target=_value(params, "target"),
    )
    return TextPayload(text, buttons=_buttons((_("Open client"), _open_client(params))))


def _achievement(params: dict[str, Any]) -> TextPayload:
    title = achievement_title(params["key"], params, UnitSystem(params["units"]), params["locale"])
    text = _("🏅 New badge: <b>{title}</b>").format(title=title)
    mine = ReportCb(action=ReportAction.achievements)
    return TextPayload(text, buttons=_buttons((_("🏅 My achievements"), mine)))


def _achievement_note(params: dict[str, Any]) -> TextPayload:
    title = achievement_title(params["key"], params, UnitSystem(params["units"]), params["locale"])
    text = _("🏅 {client} earned a badge: {title}").format(
        client=escape(params["client"]), title=title
    )
    return TextPayload(text, buttons=_buttons((_("Open client"), _open_client(params))))


def _change(params: dict[str, Any]) -> str:
    """ "target 75 kg → 73 kg, date Jun 30 → Jul 31" from a notice's parameters."""
    return change_summary(
        (params.get("old_target"), params.get("new_target")),
        (params.get("old_date"), params.get("new_date")),
        definition_from_params(params),
        UnitSystem(params["units"]),
        params["locale"],
    )


def _goal_label(params: dict[str, Any]) -> str:
    described = params.get("description")
    return escape(described) if described else _metric(params)


def _goal_change_proposed(params: dict[str, Any]) -> TextPayload:
    text = _("🎯 {client} proposes a change to their goal ({goal}): {change}.").format(
        client=escape(params["client"]), goal=_goal_label(params), change=_change(params)
    )
    if params.get("reason"):
        text += "\n" + _("Reason: {reason}").format(reason=escape(params["reason"]))
    actions = (
        (_("✅ Approve"), GoalChangeAction.approve),
        (_("✏️ Adjust"), GoalChangeAction.edit),
        (_("✖️ Decline"), GoalChangeAction.decline),
    )
    row = tuple(
        Button(
            text=label,
            callback_data=GoalChangeCb(action=action, change_id=params["change_id"]).pack(),
        )
        for label, action in actions
    )
    return TextPayload(text, buttons=(row,))


def _goal_change_decided(params: dict[str, Any]) -> TextPayload:
    status = params["status"]
    if status == "approved":
        text = _("✅ Your coach approved your goal change: {change}.")
    elif status == "edited":
        text = _("✏️ Your coach adjusted your proposal. Your goal now: {change}.")
    else:
        text = _("Your coach kept your goal as it is ({goal}). Talk it over at your next check-in.")
    text = text.format(change=_change(params), goal=_goal_label(params))
    goals = GoalCb(action=GoalAction.list)
    return TextPayload(text, buttons=_buttons((_("🎯 My goals"), goals)))


def _goal_changed(params: dict[str, Any]) -> TextPayload:
    text = _("🎯 Your coach updated your goal ({goal}): {change}.").format(
        goal=_goal_label(params), change=_change(params)
    )
    return TextPayload(text, buttons=_buttons((_("🎯 My goals"), GoalCb(action=GoalAction.list))))


def _goal_overdue(params: dict[str, Any]) -> TextPayload:
    text = _(
        "⏰ The goal of {client} ({goal}, {target}) passed its target date, {date}, without "
        "being reached. Time to adjust it or set a new date?"
    ).format(
        client=escape(params["client"]),
        goal=_goal_label(params),
        target=_value(params, "target"),
        date=day(params.get("target_date"), params["locale"]),
    )
    goals = GoalCb(action=GoalAction.list, client_id=params["client_id"])
    return TextPayload(text, buttons=_buttons((_("🎯 Goals"), goals)))


def _monthly_report(params: dict[str, Any]) -> TextPayload:
    language = params["locale"]
    return TextPayload(
        _("📄 Your progress report for {start} – {end}.").format(
            start=day(params["start"], language), end=day(params["end"], language)
        )
    )


def _export_ready(params: dict[str, Any]) -> TextPayload:
    text = _("📦 Export of {client}: profile, check-ins, metrics, goals, notes and photos.")
    text = text.format(client=escape(params["client"]))
    if params["parts"] > 1:
        text += " " + _("Part {part} of {parts}.").format(
            part=params["part"], parts=params["parts"]
        )
    return TextPayload(text)


PROGRESS_TEMPLATES: dict[str, Callable[[dict[str, Any]], str | TextPayload]] = {
    "milestone_reached": _milestone_reached,
    "milestone_reached_note": _milestone_reached_note,
    "goal_reached": _goal_reached,
    "goal_reached_note": _goal_reached_note,
    "achievement": _achievement,
    "achievement_note": _achievement_note,
    "goal_change_proposed": _goal_change_proposed,
    "goal_change_decided": _goal_change_decided,
    "goal_changed": _goal_changed,
    "goal_overdue": _goal_overdue,
    "monthly_report": _monthly_report,
    "export_ready": _export_ready,
}
