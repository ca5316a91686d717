"""What the pictures and files are drawn from: plain data, in stored units, with the
language, units and time zone of the person who will look at them. The adapters in
`reports/` turn these into PNG charts, photo comparisons, PDF reports and exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from coachbot.domain.forms.units import UnitSystem
from coachbot.domain.goals.model import Achievement, Goal, Milestone
from coachbot.domain.progress.metrics import MetricDefinition
from coachbot.domain.progress.trends import CohortSummary, PeriodComparison, Point

if TYPE_CHECKING:  # the intake reads the stores, which know these views
    from coachbot.domain.onboarding.intake import Intake


@dataclass(frozen=True)
class Viewpoint:
    """Whose eyes: text in `language`, values in `units`, dates in `timezone`."""

    language: str
    units: UnitSystem
    timezone: str


@dataclass(frozen=True)
class MetricSeries:
    """One metric of one client, ready to draw."""

    definition: MetricDefinition
    points: tuple[Point, ...]
    average: tuple[Point, ...]  # 7-day moving average at each point
    goal: float | None = None
    target_date: date | None = None
    start_value: float | None = None
    milestones: tuple[float, ...] = ()
    projection: tuple[Point, Point] | None = None  # from the trend now to the goal
    weekly_rate: float | None = None

    @property
    def latest(self) -> float | None:
        return self.points[-1][1] if self.points else None

    @property
    def latest_average(self) -> float | None:
        return self.average[-1][1] if self.average else None


@dataclass(frozen=True)
class MetricChart:
    series: MetricSeries
    view: Viewpoint
    today: date


@dataclass(frozen=True)
class ChartPanel:
    """Several metrics above each other on one time axis (weight, waist, body fat)."""

    series: tuple[MetricSeries, ...]
    view: Viewpoint
    today: date


@dataclass(frozen=True)
class ComparisonSide:
    taken: datetime
    images: tuple[bytes, ...] = field(repr=False)  # front, side, back as they were sent
    value: float | None = None  # the weight recorded with these photos
    definition: MetricDefinition | None = None


@dataclass(frozen=True)
class PhotoComparison:
    before: ComparisonSide
    after: ComparisonSide
    view: Viewpoint


@dataclass(frozen=True)
class Trends:
    """The numbers behind a chart, for its caption and the report."""

    series: MetricSeries
    month: PeriodComparison  # this calendar month against the previous one
    cohort: CohortSummary | None  # the weekly rate against the coach's other clients

    @property
    def projected(self) -> datetime | None:
        """When the goal is reached at the current rate: where the projection ends."""
        return self.series.projection[1][0] if self.series.projection else None


@dataclass(frozen=True)
class GoalProgress:
    goal: Goal
    definition: MetricDefinition | None
    current: float | None
    fraction: float | None  # 0..1 of the way (may leave that range)
    milestones: tuple[Milestone, ...]
    overdue: bool
    projected: datetime | None


@dataclass(frozen=True)
class Compliance:
    """Check-ins due in a period and what became of them."""

    due: int
    submitted: int
    late: int

    @property
    def missed(self) -> int:
        return self.due - self.submitted

    @property
    def rate(self) -> float | None:
        return self.submitted / self.due if self.due else None


@dataclass(frozen=True)
class NoteLine:
    at: datetime
    by_coach: bool
    kind: str  # text, voice, photo
    text: str


@dataclass(frozen=True)
class ProgressReport:
    client_name: str
    coach_name: str
    period_start: date
    period_end: date  # inclusive
    generated_at: datetime
    view: Viewpoint
    goals: tuple[GoalProgress, ...]
    metrics: tuple[Trends, ...]
    compliance: Compliance
    achievements: tuple[Achievement, ...]
    notes: tuple[NoteLine, ...]
    private_notes: str = ""  # the coach's own notes: only in the coach's copy
    intake: Intake | None = None  # the onboarding answers: only in the coach's copy


@dataclass(frozen=True)
class ClientRecord:
    """Everything kept about one client, as plain data (a GDPR-style export)."""

    client_name: str
    exported_at: datetime
    tables: dict[str, list[dict[str, Any]]]  # profile, checkins, answers, metrics, ...
    photos: tuple[tuple[str, bytes], ...] = field(repr=False)  # file name, decrypted JPEG
