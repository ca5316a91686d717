"""`ProgressTools`: the adapters the progress use cases need, built together."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from coachbot.domain.progress.ports import (
    ChartCache,
    ChartRenderer,
    ExportWriter,
    PhotoComparer,
    ReportRenderer,
)
from coachbot.reports.cache import MemoryChartCache, RedisChartCache
from coachbot.reports.charts import MatplotlibChartRenderer
from coachbot.reports.exports import CsvZipExportWriter
from coachbot.reports.labels import Translate, untranslated
from coachbot.reports.pdf import ReportlabReportRenderer
from coachbot.reports.photos import PillowPhotoComparer

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class ProgressTools:
    charts: ChartRenderer
    cache: ChartCache
    comparer: PhotoComparer
    reports: ReportRenderer
    exports: ExportWriter
    export_part_bytes: int = int(49.5 * MEGABYTE)


def progress_tools(
    translate: Translate = untranslated,
    *,
    redis: Redis | None = None,
    export_part_mb: float = 49.5,
) -> ProgressTools:
    """Charts cached in Redis when there is one (shared by all processes), else in memory."""
    charts = MatplotlibChartRenderer(translate)
    return ProgressTools(
        charts=charts,
        cache=RedisChartCache(redis) if redis is not None else MemoryChartCache(),
        comparer=PillowPhotoComparer(translate),
        reports=ReportlabReportRenderer(translate, charts),
        exports=CsvZipExportWriter(),
        export_part_bytes=int(export_part_mb * MEGABYTE),
    )
