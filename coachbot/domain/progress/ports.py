"""Where measurements, custom metrics, achievements and reports are kept, and what draws them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from coachbot.domain.checkins.model import (
    MetricEntry,
)
from coachbot.domain.goals.model import Achievement
from coachbot.domain.progress.metrics import CustomMetric
from coachbot.domain.progress.reports import GeneratedFile, ReportPlan
from coachbot.domain.progress.views import (
    ChartPanel,
    ClientRecord,
    MetricChart,
    PhotoComparison,
    ProgressReport,
)


class MetricRepository(Protocol):
    async def add(self, entry: MetricEntry) -> MetricEntry: ...
    async def list_for_client(self, client_id: int, metric: str) -> Sequence[MetricEntry]:
        """Oldest first."""
        ...

    async def get(self, entry_id: int) -> MetricEntry | None: ...
    async def update(self, entry: MetricEntry) -> None: ...
    async def delete(self, entry_id: int) -> None: ...
    async def recent(self, client_id: int, *, limit: int) -> Sequence[MetricEntry]:
        """The client's latest entries of any metric, newest first."""
        ...

    async def list_all(self, client_id: int) -> Sequence[MetricEntry]:
        """Every entry of the client, oldest first."""
        ...

    async def list_for_clients(
        self, client_ids: Sequence[int], metric: str, *, since: datetime
    ) -> Sequence[MetricEntry]:
        """Entries of several clients since `since`, oldest first (cohort figures)."""
        ...


class CustomMetricRepository(Protocol):
    async def add(self, metric: CustomMetric) -> CustomMetric: ...
    async def get(self, metric_id: int) -> CustomMetric | None: ...
    async def update(self, metric: CustomMetric) -> None: ...
    async def list_for_coach(self, coach_id: int) -> Sequence[CustomMetric]:
        """Archived ones too (their entries stay readable)."""
        ...


class AchievementRepository(Protocol):
    async def add(self, achievement: Achievement) -> bool:
        """Store it unless the client has it already (False): each is earned once."""
        ...

    async def list_for_client(self, client_id: int) -> Sequence[Achievement]:
        """Oldest first."""
        ...


class ReportRepository(Protocol):
    async def get_plan(self, client_id: int) -> ReportPlan | None: ...
    async def save_plan(self, plan: ReportPlan) -> None: ...
    async def due_plans(self, *, now: datetime, limit: int) -> Sequence[ReportPlan]:
        """Active plans of active clients whose next report is due by `now`."""
        ...

    async def add_file(self, file: GeneratedFile) -> GeneratedFile: ...
    async def expired_files(self, *, now: datetime, limit: int) -> Sequence[GeneratedFile]: ...
    async def delete_file(self, file_id: int) -> None: ...


class ChartRenderer(Protocol):
    """PNG charts, drawn away from the event loop (in another process by default); they
    raise `DrawingInterrupted` when the drawing process stops on the way."""

    async def metric_chart(self, chart: MetricChart) -> bytes: ...
    async def panel_chart(self, panel: ChartPanel) -> bytes: ...


class PhotoComparer(Protocol):
    def compare(self, comparison: PhotoComparison) -> bytes:
        """One JPEG: the two check-ins' photos side by side. CPU-bound."""
        ...


class ReportRenderer(Protocol):
    async def render(self, report: ProgressReport) -> bytes:
        """The PDF, drawn away from the event loop, like the charts."""
        ...


class ExportWriter(Protocol):
    def metrics_csv(self, record: ClientRecord) -> bytes: ...
    def archive(self, record: ClientRecord, *, part_bytes: int) -> list[bytes]:
        """The record as ZIP files of at most `part_bytes` each (data first, then the
        photos spread over the parts); raises `ExportTooLarge`. CPU-bound."""
        ...


class ChartCache(Protocol):
    """Rendered charts by a key that changes whenever the picture would."""

    async def get(self, key: str) -> bytes | None: ...
    async def put(self, key: str, image: bytes) -> None: ...
