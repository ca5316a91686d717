"""Charts and PDF reports drawn in processes of their own, so drawing never holds the
bot's GIL.

A chart takes matplotlib 40-60 ms of pure Python; in a thread of the bot's process that
is 40-60 ms in which the event loop handles no update. `RenderPool` runs the drawing in
a `ProcessPoolExecutor` instead, and the event loop awaits the result
(`loop.run_in_executor`), free in the meantime. The chart cache stays in front of it
(`domain.progress.pictures`): a cached chart never reaches the pool.

- The processes start with the first picture (a bot that draws none never starts them),
  from a fork server that has matplotlib loaded: never a plain fork of the bot's process,
  whose threads may hold locks the child would inherit held. The fork server is started
  once per process and outlives a pool, so a new pool (after a crash, or the next test's
  application) has its processes in milliseconds.
- What crosses to a process is plain data (the domain's frozen dataclasses) and a
  top-level function of `rendering`; what comes back is the bytes of the picture.
- A render process that dies (killed, out of memory) breaks the whole pool: the pool is
  replaced and every picture waiting on it is drawn again in the new one. A picture
  whose second try breaks its pool too (one that kills the process drawing it) raises
  `DrawingInterrupted`: the person is told to try again, and the next picture again
  gets a new pool.
- `close()`, at the application's close, waits for the processes to exit.

`render_processes = 0` draws in a thread of the bot's own process (`InThread*`), as
before the pool: for a machine where another process costs too much memory.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, TypeVar

from coachbot.domain.progress.errors import DrawingInterrupted
from coachbot.domain.progress.views import ChartPanel, MetricChart, ProgressReport
from coachbot.reports import rendering

if TYPE_CHECKING:
    from coachbot.reports.charts import MatplotlibChartRenderer
    from coachbot.reports.pdf import ReportlabReportRenderer

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Loaded once by the fork server: each render process starts with matplotlib imported.
PRELOADED = ["coachbot.reports.charts"]


class RenderPool:
    """`processes` render processes, started with the first picture."""

    def __init__(self, processes: int, default_language: str) -> None:
        if processes < 1:
            raise ValueError("a render pool needs at least one process")
        self.processes = processes
        self._default_language = default_language
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self.in_flight = 0  # calls asked for and not answered yet

    @property
    def started(self) -> bool:
        return self._pool is not None

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in a render process, tried again in a new pool when the
        pool broke on the way; raises `DrawingInterrupted` when that one broke too."""
        self.in_flight += 1
        try:
            try:
                return await self._once(function, *args)
            except BrokenProcessPool:
                return await self._once(function, *args)
        except BrokenProcessPool as error:
            raise DrawingInterrupted() from error
        finally:
            self.in_flight -= 1

    async def _once(self, function: Callable[..., T], *args: Any) -> T:
        pool = self._pool or self._start()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
        except BrokenProcessPool:
            self._discard(pool)
            raise

    def _start(self) -> ProcessPoolExecutor:
        if self._closed:
            raise RuntimeError("the render pool is closed")
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOADED)
        self._pool = ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=context,
            initializer=rendering.start,
            initargs=(self._default_language,),
        )
        logger.info("Started %d render process(es)", self.processes)
        return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        """Once per broken pool, however many pictures were waiting on it."""
        if self._pool is pool:
            logger.error("A render process stopped; starting new ones")
            self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)

    async def close(self) -> None:
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)


class PooledChartRenderer:
    """`ChartRenderer`: charts drawn in the pool's processes."""

    def __init__(self, pool: RenderPool) -> None:
        self._pool = pool

    async def metric_chart(self, chart: MetricChart) -> bytes:
        return await self._pool.run(rendering.metric_chart, chart)

    async def panel_chart(self, panel: ChartPanel) -> bytes:
        return await self._pool.run(rendering.panel_chart, panel)


class PooledReportRenderer:
    """`ReportRenderer`: PDF reports (and their charts) drawn in the pool's processes."""

    def __init__(self, pool: RenderPool) -> None:
        self._pool = pool

    async def render(self, report: ProgressReport) -> bytes:
        return await self._pool.run(rendering.report, report)


class InThreadChartRenderer:
    """`ChartRenderer` drawing in a thread of this process (it holds the GIL meanwhile)."""

    def __init__(self, renderer: MatplotlibChartRenderer) -> None:
        self._renderer = renderer

    async def metric_chart(self, chart: MetricChart) -> bytes:
        return await asyncio.to_thread(self._renderer.metric_chart, chart)

    async def panel_chart(self, panel: ChartPanel) -> bytes:
        return await asyncio.to_thread(self._renderer.panel_chart, panel)


class InThreadReportRenderer:
    """`ReportRenderer` drawing in a thread of this process."""

    def __init__(self, renderer: ReportlabReportRenderer) -> None:
        self._renderer = renderer

    async def render(self, report: ProgressReport) -> bytes:
        return await asyncio.to_thread(self._renderer.render, report)
