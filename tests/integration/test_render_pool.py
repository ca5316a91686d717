"""Charts and reports drawn in the render processes (`reports.render_pool`): really
drawn there, the same pictures as in this process, a process that dies costs the
pictures waiting on it a clear error and the next picture a new process."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from coachbot.domain.progress.errors import DrawingInterrupted
from coachbot.domain.progress.views import ChartPanel, MetricChart
from coachbot.reports.charts import MatplotlibChartRenderer
from coachbot.reports.render_pool import PooledChartRenderer, RenderPool
from tests.unit.test_charts import BERLIN, series

TODAY = series().points[-1][0].date()


@pytest.fixture
async def pool() -> AsyncIterator[RenderPool]:
    pool = RenderPool(1, "en")
    yield pool
    await pool.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_charts_are_drawn_in_a_render_process_as_this_process_would_draw_them(pool):
    charts = PooledChartRenderer(pool)
    chart = MetricChart(series(), BERLIN, TODAY)
    panel = ChartPanel((series(), series(days=30, goal=None)), BERLIN, TODAY)

    drawn, drawn_panel = await charts.metric_chart(chart), await charts.panel_chart(panel)

    here = MatplotlibChartRenderer()
    assert drawn == here.metric_chart(chart)
    assert drawn_panel == here.panel_chart(panel)
    assert Image.open(io.BytesIO(drawn)).size == (1080, 900)
    assert await pool.run(os.getpid) != os.getpid()


async def test_a_render_process_that_dies_interrupts_the_picture_and_the_next_gets_a_new_one(
    pool,
):
    charts = PooledChartRenderer(pool)
    chart = MetricChart(series(), BERLIN, TODAY)
    first = await pool.run(os.getpid)

    with pytest.raises(DrawingInterrupted):
        await pool.run(os._exit, 1)  # the process dies mid-picture (killed, out of memory)

    assert (await charts.metric_chart(chart)).startswith(b"\x89PNG")
    assert await pool.run(os.getpid) != first


async def test_pictures_waiting_on_a_process_that_dies_are_interrupted_too(pool):
    charts = PooledChartRenderer(pool)
    chart = MetricChart(series(), BERLIN, TODAY)
    await pool.run(os.getpid)  # started

    results = await asyncio.gather(
        pool.run(os._exit, 1), charts.metric_chart(chart), return_exceptions=True
    )

    assert [type(r) for r in results] == [DrawingInterrupted, DrawingInterrupted]
    assert (await charts.metric_chart(chart)).startswith(b"\x89PNG")


async def test_the_render_processes_start_with_the_first_picture_and_end_with_close():
    pool = RenderPool(2, "en")
    assert not pool.started
    pids = {await pool.run(os.getpid), await pool.run(os.getpid)}
    assert pool.started

    await pool.close()

    assert not any(alive(pid) for pid in pids)
    with pytest.raises(RuntimeError, match="closed"):
        await pool.run(os.getpid)
