"""`ProgressTools`: the adapters the progress use cases need, built together.

matplotlib and reportlab take a second to import and most processes (the worker, a bot
that nobody asked for a chart yet) never need them: charts and PDF reports are drawn in
render processes started with the first one (`render_pool`), and the photo adapters,
which draw in this process, are built on their first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import Redis

from coachbot.domain.checkins.ports import PhotoProcessor
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
from coachbot.reports.render_pool import (
    InThreadChartRenderer,
    InThreadReportRenderer,
    PooledChartRenderer,
    PooledReportRenderer,
    RenderPool,
)

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class ProgressTools:
    charts: ChartRenderer
    cache: ChartCache
    comparer: PhotoComparer
    reports: ReportRenderer
    exports: ExportWriter
    export_part_bytes: int = int(49.5 * MEGABYTE)
    render_pool: RenderPool | None = None  # None: charts and reports drawn in threads

    async def close(self) -> None:
        if self.render_pool is not None:
            await self.render_pool.close()


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
    render_processes: int = 0,
    default_language: str = "en",
) -> ProgressTools:
    """Charts cached in Redis when there is one (shared by all processes), else in memory.
    `render_processes` > 0: charts and reports drawn in that many processes (whose
    translations fall back to `default_language`, as `translate` does); 0: in threads."""
    pool = RenderPool(render_processes, default_language) if render_processes > 0 else None
    charts: ChartRenderer
    reports: ReportRenderer
    if pool is not None:
        charts, reports = PooledChartRenderer(pool), PooledReportRenderer(pool)
    else:
        charts = cast(ChartRenderer, OnFirstUse(lambda: _chart_renderer(translate)))
        reports = cast(ReportRenderer, OnFirstUse(lambda: _report_renderer(translate)))
    return ProgressTools(
        charts=charts,
        cache=RedisChartCache(redis) if redis is not None else MemoryChartCache(),
        comparer=cast(PhotoComparer, OnFirstUse(lambda: _photo_comparer(translate))),
        reports=reports,
        exports=CsvZipExportWriter(),
        export_part_bytes=int(export_part_mb * MEGABYTE),
        render_pool=pool,
    )


def photo_processor(*, max_bytes: int) -> PhotoProcessor:
    """Pillow, imported at the first photo."""

    def build() -> PhotoProcessor:
        from coachbot.reports.photos import PillowPhotoProcessor

        return PillowPhotoProcessor(max_bytes=max_bytes)

    return cast(PhotoProcessor, OnFirstUse(build))


def _chart_renderer(translate: Translate) -> ChartRenderer:
    from coachbot.reports.charts import MatplotlibChartRenderer

    return InThreadChartRenderer(MatplotlibChartRenderer(translate))


def _photo_comparer(translate: Translate) -> PhotoComparer:
    from coachbot.reports.photos import PillowPhotoComparer

    return PillowPhotoComparer(translate)


def _report_renderer(translate: Translate) -> ReportRenderer:
    from coachbot.reports.pdf import ReportlabReportRenderer

    return InThreadReportRenderer(ReportlabReportRenderer(translate))
