"""Notices about goals: celebrations (to the client, and a note to the coach), badges,
proposed and decided changes, overdue goals. Values are shown in the reader's units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from coachbot.domain.progress.metrics import MetricDefinition, definition_from_params
from coachbot.domain.shared.notices import Notice


@dataclass(frozen=True, kw_only=True)
class MetricNotice(Notice):
    """A notice naming values of a metric (as `metric_params` keeps it)."""

    metric: str | None = None
    metric_name: str = ""
    unit: str = ""

    def definition(self) -> MetricDefinition | None:
        return definition_from_params(
            {"metric": self.metric, "metric_name": self.metric_name, "unit": self.unit}
        )


@dataclass(frozen=True, kw_only=True)
class ToCoach(Notice):
    """A note to the coach about one of their clients."""

    client: str
    client_id: int


@dataclass(frozen=True, kw_only=True)
class Milestone(MetricNotice):
    goal_id: int | None = None
    value: float
    percent: int
    target: float | None = None


@dataclass(frozen=True, kw_only=True)
class MilestoneReached(Milestone):
    name: str


@dataclass(frozen=True, kw_only=True)
class MilestoneReachedNote(Milestone, ToCoach):
    pass


@dataclass(frozen=True, kw_only=True)
class Reached(MetricNotice):
    goal_id: int | None = None
    value: float
    target: float | None = None


@dataclass(frozen=True, kw_only=True)
class GoalReached(Reached):
    name: str


@dataclass(frozen=True, kw_only=True)
class GoalReachedNote(Reached, ToCoach):
    pass


@dataclass(frozen=True, kw_only=True)
class Badge(Notice):
    key: str
    details: dict[str, Any]  # the achievement's, as stored with it


@dataclass(frozen=True, kw_only=True)
class AchievementEarned(Badge):
    name: str


@dataclass(frozen=True, kw_only=True)
class AchievementNote(Badge, ToCoach):
    pass


@dataclass(frozen=True, kw_only=True)
class GoalChangeNotice(MetricNotice):
    change_id: int
    goal_id: int
    description: str | None = None
    old_target: float | None = None
    new_target: float | None = None
    old_date: date | None = None
    new_date: date | None = None
    reason: str | None = None
    status: str  # the change's: pending, approved, edited, declined


@dataclass(frozen=True, kw_only=True)
class GoalChangeProposed(GoalChangeNotice, ToCoach):
    pass


@dataclass(frozen=True, kw_only=True)
class GoalChangeDecided(GoalChangeNotice):
    pass


@dataclass(frozen=True, kw_only=True)
class GoalChanged(GoalChangeNotice):
    """The coach changed the goal themselves."""


@dataclass(frozen=True, kw_only=True)
class GoalOverdue(MetricNotice, ToCoach):
    goal_id: int
    description: str | None = None
    target: float | None = None
    target_date: date | None = None
