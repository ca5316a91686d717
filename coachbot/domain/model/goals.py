"""Goals: what a client works towards. Onboarding records the first one; progress,
milestones and adjustments come with the goals feature."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class GoalCategory(StrEnum):
    weight = "weight"
    body = "body"
    habit = "habit"
    performance = "performance"
    custom = "custom"


@dataclass
class Goal:
    client_id: int
    category: GoalCategory
    created_at: datetime
    metric: str | None = None  # the metric the target is measured in (kg, cm)
    target_value: float | None = None
    description: str = ""
    target_date: date | None = None
    status: str = "active"
    id: int | None = None
