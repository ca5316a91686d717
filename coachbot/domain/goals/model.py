"""Goals: what a client works towards. Onboarding records the first one; the coach adds
more. A goal measured by a metric has a start value, a target and milestones on the way
(auto-suggested every 25 %, editable); its progress comes from the client's entries.
Changes to the target or date are proposed by the client and decided by the coach (or
made by the coach), and every change is kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

MILESTONE_STEP = 0.25  # a milestone every quarter of the way
MAX_MILESTONES = 9


class GoalCategory(StrEnum):
    weight = "weight"
    body = "body"
    habit = "habit"
    performance = "performance"
    custom = "custom"


class GoalStatus(StrEnum):
    active = "active"
    achieved = "achieved"
    closed = "closed"  # given up or replaced: no longer tracked


@dataclass
class Goal:
    client_id: int
    category: GoalCategory
    created_at: datetime
    metric: str | None = None  # the metric the target is measured in (kg, cm)
    target_value: float | None = None
    description: str = ""
    target_date: date | None = None
    status: str = GoalStatus.active
    id: int | None = None
    start_value: float | None = None  # None until the first measurement is known
    achieved_at: datetime | None = None
    # The target date whose passing the coach was told about (a new date is told again).
    overdue_flagged_for: date | None = None

    @property
    def measurable(self) -> bool:
        return self.metric is not None and self.target_value is not None

    @property
    def active(self) -> bool:
        return self.status == GoalStatus.active

    def overdue(self, today: date) -> bool:
        return self.active and self.target_date is not None and self.target_date < today

    @property
    def overdue_flagged(self) -> bool:
        return self.target_date is not None and self.overdue_flagged_for == self.target_date

    def progress(self, current: float) -> float | None:
        """How far along the way from start to target `current` is: 0 at the start, 1 at
        the target (below 0 when moving away, above 1 beyond it)."""
        if self.start_value is None or self.target_value is None:
            return None
        way = self.target_value - self.start_value
        if way == 0:
            return 1.0
        return (current - self.start_value) / way

    def reaches(self, current: float, value: float) -> bool:
        """Whether `current` is at or past `value` in the goal's direction."""
        if self.start_value is None or self.target_value is None:
            return False
        if self.target_value >= self.start_value:
            return current >= value
        return current <= value


def suggest_milestones(start: float, target: float, decimals: int = 1) -> list[float]:
    """A milestone every quarter of the way (the target itself is the goal)."""
    steps = round(1 / MILESTONE_STEP)
    values = [round(start + (target - start) * i / steps, decimals) for i in range(1, steps)]
    return [v for v in dict.fromkeys(values) if v not in (round(start, decimals), target)]


@dataclass
class Milestone:
    goal_id: int
    position: int  # 1, 2, ... along the way
    value: float  # in the goal's metric, stored units
    reached_at: datetime | None = None
    id: int | None = None


class ChangeStatus(StrEnum):
    proposed = "proposed"  # by the client, waiting for the coach
    approved = "approved"  # the coach took the client's proposal
    edited = "edited"  # the coach decided on other values than proposed
    declined = "declined"
    applied = "applied"  # made by the coach directly


DECIDED = (ChangeStatus.approved, ChangeStatus.edited, ChangeStatus.declined)


@dataclass
class GoalChange:
    """One change of a goal's target or date: proposed, decided, kept for history."""

    goal_id: int
    requested_by: int | None  # user id (None once that account is deleted)
    by_coach: bool
    status: ChangeStatus
    created_at: datetime
    old_target: float | None = None
    old_date: date | None = None
    new_target: float | None = None
    new_date: date | None = None
    reason: str = ""
    decided_by: int | None = None
    decided_at: datetime | None = None
    id: int | None = None

    @property
    def pending(self) -> bool:
        return self.status is ChangeStatus.proposed


@dataclass
class Achievement:
    """A badge, earned once per client: a check-in streak, the first 5 kg, a goal."""

    client_id: int
    key: str  # "streak:4", "change:weight:5", "goal:12", "first_entry"
    achieved_at: datetime
    details: dict = field(default_factory=dict)
    id: int | None = None
