"""What the render processes run: top-level functions from plain data (the domain's
frozen dataclasses) to bytes, so `concurrent.futures` can pickle the call.

Each process builds its renderers once (`start`, the pool's initializer) and keeps its
matplotlib figures between charts, as the bot's own process did. Importing this module
imports nothing heavy: the bot's process only names these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coachbot.domain.progress.views import ChartPanel, MetricChart, ProgressReport
    from coachbot.reports.charts import MatplotlibChartRenderer
    from coachbot.reports.labels import Translate
    from coachbot.reports.pdf import ReportlabReportRenderer

_translate: Translate | None = None
_charts: MatplotlibChartRenderer | None = None
_reports: ReportlabReportRenderer | None = None
_default_language = "en"


def start(default_language: str) -> None:
    """The pool's initializer: translations and matplotlib loaded before the first chart."""
    global _translate, _charts, _default_language
    from coachbot.languages import catalog_translator
    from coachbot.reports.charts import MatplotlibChartRenderer

    _default_language = default_language
    _translate = catalog_translator(default_language)
    _charts = MatplotlibChartRenderer(_translate)


def _chart_renderer() -> MatplotlibChartRenderer:
    if _charts is None:
        start(_default_language)
    assert _charts is not None
    return _charts


def metric_chart(chart: MetricChart) -> bytes:
    return _chart_renderer().metric_chart(chart)


def panel_chart(panel: ChartPanel) -> bytes:
    return _chart_renderer().panel_chart(panel)


def report(progress: ProgressReport) -> bytes:
    """The PDF, with its charts drawn by this process's chart renderer (reportlab is
    imported at the first report: most processes never make one)."""
    global _reports
    if _reports is None:
        from coachbot.reports.pdf import ReportlabReportRenderer

        charts = _chart_renderer()
        assert _translate is not None
        _reports = ReportlabReportRenderer(_translate, charts)
    return _reports.render(progress)
