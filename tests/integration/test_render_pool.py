"""Charts drawn in the render processes (`reports.render_pool`): really drawn there, the
same pictures as in this process; a process that dies is replaced and the pictures it
held drawn again, and a picture that kills its process each time is a clear error."""

from __future__ import annotations

import asyncio
import io
import os
import signal
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


async def test_a_picture_that_kills_its_render_process_twice_is_interrupted_then_the_next_is_drawn(
    pool,
):
    charts = PooledChartRenderer(pool)
    chart = MetricChart(series(), BERLIN, TODAY)
    first = await pool.run(os.getpid)

    with pytest.raises(DrawingInterrupted):
        await pool.run(os._exit, 1)  # kills the process drawing it, and its second try's

    assert (await charts.metric_chart(chart)).startswith(b"\x89PNG")
    assert await pool.run(os.getpid) != first
    assert pool.in_flight == 0


async def test_a_render_process_killed_mid_picture_costs_the_picture_nothing(pool):
    charts = PooledChartRenderer(pool)
    chart = MetricChart(series(), BERLIN, TODAY)
    process = await pool.run(os.getpid)
    os.kill(process, signal.SIGSTOP)  # holds the picture until it is killed
    drawing = asyncio.create_task(charts.metric_chart(chart))
    await asyncio.sleep(0)  # the task runs up to awaiting the pool
    assert pool.in_flight == 1

    os.kill(process, signal.SIGKILL)  # the out-of-memory killer, say

    assert (await drawing).startswith(b"\x89PNG")
    assert await pool.run(os.getpid) != process


async def test_a_render_process_killed_while_idle_costs_the_next_picture_nothing(pool):
    charts = PooledChartRenderer(pool)
    process = await pool.run(os.getpid)

    os.kill(process, signal.SIGKILL)

    drawn = await charts.metric_chart(MetricChart(series(), BERLIN, TODAY))
    assert drawn.startswith(b"\x89PNG")


async def test_the_render_processes_start_with_the_first_picture_and_end_with_close():
    pool = RenderPool(2, "en")
    assert not pool.started
    pids = {await pool.run(os.getpid), await pool.run(os.getpid)}
    assert pool.started

    await pool.close()

    assert not any(alive(pid) for pid in pids)
    with pytest.raises(RuntimeError, match="closed"):
        await pool.run(os.getpid)
