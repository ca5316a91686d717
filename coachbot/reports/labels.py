"""Words and numbers in pictures and files, in the reader's language.

The adapters here get a `Translate` function from the composition root (the bot's
gettext catalogues); strings are marked with `N_` so `make locales` extracts them.
Dates and numbers are formatted by Babel: "9. März", "72,5" in German.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal

from coachbot.domain.forms.units import Metric, UnitSystem
from coachbot.domain.goals.model import Achievement, GoalStatus
from coachbot.domain.progress.metrics import (
    MetricDefinition,
    builtin_definition,
    definition_from_params,
)
from coachbot.domain.progress.views import GoalProgress, Viewpoint

Translate = Callable[[str, str], str]  # (language, English message) -> translation


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is used."""
    return message


def untranslated(_language: str, message: str) -> str:
    return message


METRIC_NAMES = {
    Metric.weight: N_("Weight"),
    Metric.waist: N_("Waist"),
    Metric.hips: N_("Hips"),
    Metric.chest: N_("Chest"),
    Metric.arm: N_("Arm"),
    Metric.thigh: N_("Thigh"),
    Metric.body_fat: N_("Body fat"),
    Metric.height: N_("Height"),
}


def metric_name(definition: MetricDefinition, translate: Translate, language: str) -> str:
    if definition.builtin is None:
        return definition.name
    return translate(language, METRIC_NAMES[definition.builtin])


def number(value: float, language: str, decimals: int = 1) -> str:
    """72.5 -> "72.5" or "72,5"; a minus sign, not a hyphen, for negative values."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = format_decimal(round(value, decimals) + 0.0, format=pattern, locale=language)
    return text.replace("-", "−")


def signed(value: float, language: str, decimals: int = 1) -> str:
    """With its sign: +0.4, a minus sign for -0.4, ±0.0 for no change."""
    if round(value, decimals) == 0:
        return "±" + number(0, language, decimals)
    return ("+" if value > 0 else "") + number(value, language, decimals)


def measure(
    value: float,
    definition: MetricDefinition,
    units: UnitSystem,
    language: str,
    *,
    decimals: int = 1,
    sign: bool = False,
) -> str:
    """A stored value in the reader's units, with its unit: "72.5 kg", "159.8 lb", "72,5 kg";
    `sign`: a change, "+0.4 kg"."""
    shown = definition.shown(value, units)
    text = signed(shown, language, decimals) if sign else number(shown, language, decimals)
    return f"{text} {definition.symbol(units)}".strip()


def day_month(day: date, language: str) -> str:
    """ "Mar 9" / "9. März" """
    return format_skeleton("MMMd", day, locale=language)


def month_year(day: date, language: str) -> str:
    """ "Mar 2026" / "März 2026" """
    return format_skeleton("yMMM", day, locale=language)


def month_name(day: date, language: str) -> str:
    """ "Mar" / "März" """
    return format_skeleton("MMM", day, locale=language)


def long_date(day: date, language: str) -> str:
    return format_date(day, format="medium", locale=language)


def font_path(*, bold: bool = False) -> Path:
    """DejaVu Sans, shipped with matplotlib: every glyph we print (umlauts, minus signs)."""
    import matplotlib  # here: the bot's texts use this module, and need no matplotlib

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


CATEGORY_NAMES = {
    "weight": N_("Body weight"),
    "body": N_("Body shape"),
    "habit": N_("Habit"),
    "performance": N_("Performance"),
    "custom": N_("Goal"),
}


def goal_name(item: GoalProgress, translate: Translate, language: str) -> str:
    """ "Weight", "Habit: walk daily": the goal's metric (else its category), and what it
    says."""
    goal = item.goal
    if item.definition is not None:
        name = metric_name(item.definition, translate, language)
    else:
        name = translate(language, CATEGORY_NAMES.get(goal.category, N_("Goal")))
    return f"{name}: {goal.description}" if goal.description else name


def goal_state(item: GoalProgress, timezone: str) -> str:
    """achieved, closed, overdue, on_track, behind, no_trend or "" (nothing measured)."""
    goal = item.goal
    if goal.status == GoalStatus.achieved:
        return "achieved"
    if goal.status == GoalStatus.closed:
        return "closed"
    if item.overdue:
        return "overdue"
    if item.projected is not None:
        reached = item.projected.astimezone(ZoneInfo(timezone)).date()
        return "on_track" if goal.target_date is None or reached <= goal.target_date else "behind"
    return "no_trend" if goal.measurable and item.current is not None else ""


def goal_status(item: GoalProgress, view: Viewpoint, translate: Translate) -> str:
    language, state = view.language, goal_state(item, view.timezone)
    texts = {
        "achieved": N_("Achieved on {date}"),
        "closed": N_("Closed"),
        "overdue": N_("Overdue: the target date has passed"),
        "on_track": N_("On track: at this rate around {date}"),
        "behind": N_("Behind: at this rate around {date}"),
        "no_trend": N_("No clear trend towards the goal yet"),
    }
    if state not in texts:
        return ""
    moment = item.goal.achieved_at if state == "achieved" else item.projected
    when = moment.astimezone(ZoneInfo(view.timezone)).date() if moment else None
    return translate(language, texts[state]).format(date=long_date(when, language) if when else "")


def achievement_title(achievement: Achievement, view: Viewpoint, translate: Translate) -> str:
    """ "Check-in streak: 4", "First 5.0 kg lost", "Goal reached: 76.0 kg"."""
    language, details = view.language, achievement.details
    kind, _sep, rest = achievement.key.partition(":")
    if kind == "streak":
        count = int(details.get("checkins") or rest or 0)
        return translate(language, N_("Check-in streak: {count}")).format(count=count)
    if kind == "change":
        amount = float(details.get("amount", 0))
        shown = measure(amount, builtin_definition(Metric.weight), view.units, language)
        text = N_("First {amount} gained") if details.get("gaining") else N_("First {amount} lost")
        return translate(language, text).format(amount=shown)
    if kind == "goal":
        definition = definition_from_params(details)
        target = details.get("target")
        if definition is not None and target is not None:
            value = measure(float(target), definition, view.units, language)
            return translate(language, N_("Goal reached: {target}")).format(target=value)
        return translate(language, N_("Goal reached"))
    if kind == "first_entry":
        return translate(language, N_("First measurement logged"))
    return achievement.key
