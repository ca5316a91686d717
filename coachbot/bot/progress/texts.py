"""Progress in words, in the reader's language: values in their units with decimal
commas where they write them, metric names, goal summaries, badges and trend lines."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import escape, fmt, join, stack
from coachbot.domain.forms.questions import Question
from coachbot.domain.forms.units import Metric, UnitSystem
from coachbot.domain.goals.model import Achievement, GoalChange
from coachbot.domain.progress.metrics import MetricDefinition, definition_of
from coachbot.domain.progress.trends import CohortSummary
from coachbot.domain.progress.views import GoalProgress, Trends, Viewpoint
from coachbot.reports import labels
from coachbot.reports.labels import METRIC_NAMES


def translate_here(_language: str, message: str) -> str:
    """`reports.labels.Translate` for the language of the update being handled."""
    return _(message)


def metric_title(definition: MetricDefinition) -> str:
    if definition.builtin is None:
        return escape(definition.name)
    return _(METRIC_NAMES[definition.builtin])


def metric_in_sentence(definition: MetricDefinition) -> str:
    """A metric named inside a sentence: "Your weight now" (a coach's own metric as named)."""
    if definition.builtin is None:
        return escape(definition.name)
    names = {
        Metric.weight: _("weight"),
        Metric.waist: _("waist"),
        Metric.hips: _("hips"),
        Metric.chest: _("chest"),
        Metric.arm: _("arm"),
        Metric.thigh: _("thigh"),
        Metric.body_fat: _("body fat"),
        Metric.height: _("height"),
    }
    return names[definition.builtin]


def measure(value: float, definition: MetricDefinition, units: UnitSystem, language: str) -> str:
    """72.5 kg -> "72.5 kg" / "72,5 kg" / "159.8 lb", to the metric's decimals."""
    return escape(labels.measure(value, definition, units, language, decimals=definition.decimals))


def change(value: float, definition: MetricDefinition, units: UnitSystem, language: str) -> str:
    """A change with its sign and unit: "+0.4 kg"."""
    return escape(
        labels.measure(value, definition, units, language, decimals=definition.decimals, sign=True)
    )


def bounds_question(metric: str | None) -> Question | None:
    """What `explain_refusal` needs to name a refused value's bounds in the person's units:
    a built-in metric's question (a coach's own metric has its bounds in its own unit)."""
    definition = definition_of(metric, [])
    return definition.question() if definition else None


def day(value: date | str | None, language: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return labels.long_date(value, language)


def local_day(moment: datetime, view: Viewpoint) -> str:
    return labels.long_date(moment.astimezone(ZoneInfo(view.timezone)).date(), view.language)


# -- goals -----------------------------------------------------------------------------


def progress_bar(fraction: float | None, width: int = 10) -> str:
    if fraction is None:
        return ""
    done = max(0, min(width, round(fraction * width)))
    return "▰" * done + "▱" * (width - done) + f" {max(0, round(fraction * 100))} %"


def goal_lines(item: GoalProgress, view: Viewpoint) -> list[str]:
    """A goal as a few lines: what, how far, by when, how it goes."""
    goal, language, units = item.goal, view.language, view.units
    lines: list[str] = [
        fmt("🎯 <b>{goal}</b>", goal=labels.goal_name(item, translate_here, language))
    ]
    definition = item.definition
    if definition is not None and goal.target_value is not None:
        target = measure(goal.target_value, definition, units, language)
        if goal.start_value is not None and item.current is not None:
            lines.append(
                fmt(
                    _("{start} → now {current} → goal {target}"),
                    start=measure(goal.start_value, definition, units, language),
                    current=measure(item.current, definition, units, language),
                    target=target,
                )
            )
            lines.append(progress_bar(item.fraction))
        else:
            lines.append(fmt(_("Goal {target} · no measurement yet"), target=target))
    if goal.target_date is not None:
        lines.append(fmt(_("Target date: {date}"), date=day(goal.target_date, language)))
    lines.append(goal_status(item, view))
    reached = [m for m in item.milestones if m.reached_at is not None]
    if item.milestones and definition is not None:
        marks = join(
            " · ",
            (
                fmt(
                    "{mark}{value}",
                    mark="✅ " if m.reached_at else "◻️ ",
                    value=measure(m.value, definition, units, language),
                )
                for m in item.milestones
            ),
        )
        lines.append(
            fmt(
                _("Milestones ({reached} of {count}): {marks}"),
                reached=len(reached),
                count=len(item.milestones),
                marks=marks,
            )
        )
    return lines


STATE_MARKS = {
    "achieved": "🏆 ",
    "overdue": "⚠️ ",
    "on_track": "📈 ",
    "behind": "🐢 ",
    "no_trend": "",
    "closed": "",
}


def goal_status(item: GoalProgress, view: Viewpoint) -> str:
    text = labels.goal_status(item, view, translate_here)
    mark = STATE_MARKS.get(labels.goal_state(item, view.timezone), "")
    return fmt("{mark}{text}", mark=mark, text=text) if text else ""


def change_lines(change_: GoalChange, item: GoalProgress, view: Viewpoint) -> str:
    """ "target 75 kg → 73 kg, date Jun 30 → Jul 31" """
    return change_summary(
        (change_.old_target, change_.new_target),
        (change_.old_date, change_.new_date),
        item.definition,
        view.units,
        view.language,
    )


def change_summary(
    targets: tuple[float | None, float | None],
    dates: tuple[date | str | None, date | str | None],
    definition: MetricDefinition | None,
    units: UnitSystem,
    language: str,
) -> str:
    """What changed from (old, new) target and date: "target 75 kg → 73 kg, date Jun 30 →
    Jul 31" (dates as dates or ISO strings)."""

    def value(target: float | None) -> str:
        if target is None or definition is None:
            return "—"
        return measure(float(target), definition, units, language)

    parts = []
    if targets[1] != targets[0] and definition is not None:
        parts.append(fmt(_("target {old} → {new}"), old=value(targets[0]), new=value(targets[1])))
    if dates[1] != dates[0]:
        parts.append(
            fmt(_("date {old} → {new}"), old=day(dates[0], language), new=day(dates[1], language))
        )
    return join(", ", parts) if parts else _("no change")


# -- badges ----------------------------------------------------------------------------


def achievement_title(key: str, details: dict[str, Any], units: UnitSystem, language: str) -> str:
    badge = Achievement(client_id=0, key=key, achieved_at=datetime.min, details=details)
    return escape(
        labels.achievement_title(badge, Viewpoint(language, units, "UTC"), translate_here)
    )


def achievement_line(achievement: Achievement, view: Viewpoint) -> str:
    title = achievement_title(achievement.key, achievement.details, view.units, view.language)
    return fmt(
        "🏅 <b>{title}</b> · {day}", title=title, day=local_day(achievement.achieved_at, view)
    )


# -- trends ----------------------------------------------------------------------------


def trend_caption(found: Trends, view: Viewpoint, *, own: bool) -> str:
    """The caption under a metric's chart: now, the weekly rate, where it leads, this
    month against the last, and (from five clients) the coach's cohort."""
    series, language, units = found.series, view.language, view.units
    definition = series.definition
    lines: list[str] = [fmt("<b>{title}</b>", title=metric_title(definition))]
    if series.latest is not None and series.latest_average is not None:
        lines.append(
            fmt(
                _("Latest {latest} · 7-day average {average}"),
                latest=measure(series.latest, definition, units, language),
                average=measure(series.latest_average, definition, units, language),
            )
        )
    if series.weekly_rate is not None:
        lines.append(
            fmt(
                _("Trend: {rate} per week (last 4 weeks)"),
                rate=change(series.weekly_rate, definition, units, language),
            )
        )
    if series.goal is not None:
        goal = measure(series.goal, definition, units, language)
        if found.projected is not None:
            text = (
                _("At this rate you reach {goal} around {date}.")
                if own
                else _("At this rate the goal of {goal} is reached around {date}.")
            )
            lines.append(fmt(text, goal=goal, date=local_day(found.projected, view)))
        else:
            lines.append(
                fmt(_("The current trend does not lead to the goal of {goal} yet."), goal=goal)
            )
        if series.target_date is not None:
            lines.append(fmt(_("Target date: {date}"), date=day(series.target_date, language)))
    month = found.month
    if month.current.mean is not None and month.previous.mean is not None:
        lines.append(
            fmt(
                _("This month {current} on average, last month {previous} ({difference})."),
                current=measure(month.current.mean, definition, units, language),
                previous=measure(month.previous.mean, definition, units, language),
                difference=change(month.difference or 0.0, definition, units, language),
            )
        )
    if found.cohort is not None:
        lines.append(cohort_line(found.cohort, definition, view, own=own))
    return stack(lines)


def cohort_line(
    cohort: CohortSummary, definition: MetricDefinition, view: Viewpoint, *, own: bool
) -> str:
    language, units = view.language, view.units
    text: str = fmt(
        _(
            "Compared with {count} clients of the coach (anonymised): weekly change median "
            "{median}, middle half {low} to {high}."
        ),
        count=cohort.clients,
        median=change(cohort.median, definition, units, language),
        low=change(cohort.lower_quartile, definition, units, language),
        high=change(cohort.upper_quartile, definition, units, language),
    )
    if cohort.own is not None:
        mine = change(cohort.own, definition, units, language)
        text += " " + fmt((_("Yours: {value}.") if own else _("This client: {value}.")), value=mine)
    return text
