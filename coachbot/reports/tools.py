"""`ProgressTools`: the adapters the progress use cases need, built together.

matplotlib and reportlab take a second to import and most processes (the worker, a bot
that nobody asked for a chart yet) never need them: each drawing adapter is built on its
first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import Redis

from coachbot.domain.progress.ports import (
    ChartCache,
    ChartRenderer,
    ExportWriter,
    PhotoComparer,
    ReportRenderer,
)
from coachbot.reports.cache import MemoryChartCache, RedisChartCache
from coachbot.reports.exports import CsvZipExportWriter
from coachbot.reports.labels import Translate, untranslated

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class ProgressTools:
    charts: ChartRenderer
    cache: ChartCache
    comparer: PhotoComparer
    reports: ReportRenderer
    exports: ExportWriter
    export_part_bytes: int = int(49.5 * MEGABYTE)


class OnFirstUse:
    """Stands in for the adapter `build` makes, building it when first asked."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._built: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._built is None:
            self._built = self._build()
        return getattr(self._built, name)


def progress_tools(
    translate: Translate = untranslated,
    *,
    redis: Redis | None = None,
    export_part_mb: float = 49.5,
) -> ProgressTools:
    """Charts cached in Redis when there is one (shared by all processes), else in memory."""
    charts = cast(ChartRenderer, OnFirstUse(lambda: _chart_renderer(translate)))
    return ProgressTools(
        charts=charts,
        cache=RedisChartCache(redis) if redis is not None else MemoryChartCache(),
        comparer=cast(PhotoComparer, OnFirstUse(lambda: _photo_comparer(translate))),
        reports=cast(ReportRenderer, OnFirstUse(lambda: _report_renderer(translate))),
        exports=CsvZipExportWriter(),
        export_part_bytes=int(export_part_mb * MEGABYTE),
    )


def _chart_renderer(translate: Translate) -> ChartRenderer:
    from coachbot.reports.charts import MatplotlibChartRenderer

    return MatplotlibChartRenderer(translate)


def _photo_comparer(translate: Translate) -> PhotoComparer:
    from coachbot.reports.photos import PillowPhotoComparer

    return PillowPhotoComparer(translate)


def _report_renderer(translate: Translate) -> ReportRenderer:
    from coachbot.reports.pdf import ReportlabReportRenderer

    return ReportlabReportRenderer(translate)
