"""The goals' texts: the goals view, change statuses, date examples and target bounds."""

from __future__ import annotations

from coachbot.bot.forms.rendering import date_example
from coachbot.bot.goals.states import GoalData
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import escape, fmt, stack
from coachbot.bot.progress.texts import bounds_question, change_lines, goal_lines
from coachbot.domain.forms.questions import Question
from coachbot.domain.goals.viewing import GoalsView
from coachbot.domain.people.identity import Identity
from coachbot.domain.progress.pictures import local_today, viewpoint
from coachbot.domain.shared.clock import Clock


def render_goals(view: GoalsView, *, coach: bool) -> str:
    shown = viewpoint(view.viewer)
    if coach:
        lines: list[str] = [
            fmt(_("🎯 <b>Goals of {name}</b>"), name=escape(view.client.display_name))
        ]
    else:
        lines = [_("🎯 <b>Your goals</b>")]
    if not view.goals:
        lines.append(
            _("No goals yet. Add one with ➕ New goal.")
            if coach
            else _("No goals yet. Your coach sets them with you.")
        )
    for number, card in enumerate(view.goals, start=1):
        lines.append("")
        block = goal_lines(card.progress, shown)
        if len(view.goals) > 1:
            block[0] = fmt("{number}. {goal}", number=number, goal=block[0])
        lines += [line for line in block if line]
        if card.pending is not None:
            lines.append(
                fmt(
                    _("⏳ Proposed change: {change} (waiting for the coach)"),
                    change=change_lines(card.pending, card.progress, shown),
                )
            )
        decided = [c for c in card.history if not c.pending]
        if decided:
            last = decided[-1]
            lines.append(
                fmt(
                    _("History: {count} change(s), last: {change} ({status})"),
                    count=len(decided),
                    change=change_lines(last, card.progress, shown),
                    status=_status(last.status.value),
                )
            )
    return stack(lines)


def _status(status: str) -> str:
    return {
        "approved": _("approved"),
        "edited": _("adjusted by the coach"),
        "declined": _("declined"),
        "applied": _("by the coach"),
    }.get(status, status)


def target_date_example(identity: Identity, clock: Clock) -> str:
    """A target date a few months ahead, written as this person writes dates."""
    return date_example(identity.user, after=local_today(clock.now(), identity.user.timezone))


def target_question(form: GoalData) -> Question | None:
    """So a refusal names the target's bounds in the person's units (a coach's proposal
    adjustment has no goal at hand: plain bounds)."""
    return None if form.get("mode") == "decide" else bounds_question(form.get("metric"))
