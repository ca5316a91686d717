"""Charts drawn in the render processes (issue 17), seen from the chat: a process killed
while it draws costs the person nothing, a chart that cannot be drawn is a clear "try
again", and the next chart is drawn by a new process."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from coachbot.reports import rendering
from coachbot.reports.render_pool import RenderPool
from tests.e2e.checkin_helpers import onboarded_client
from tests.e2e.conftest import Harness
from tests.e2e.progress_helpers import log
from tests.e2e.render_crash import crash

PNG = b"\x89PNG\r\n\x1a\n"


def render_pool(harness: Harness) -> RenderPool:
    pool = harness.app.container.progress_tools.render_pool
    assert pool is not None  # RENDER_PROCESSES=1, the default
    return pool


async def client_with_weights(harness: Harness):
    cleo = await onboarded_client(harness)
    for kg in ("81.0", "80.6", "80.1"):
        await log(cleo, kg)
        harness.clock.advance(days=3)
    return cleo


async def test_a_render_process_killed_while_drawing_a_chart_costs_the_person_nothing(
    harness: Harness,
):
    cleo = await client_with_weights(harness)
    pool = render_pool(harness)
    process = await pool.run(os.getpid)
    os.kill(process, signal.SIGSTOP)  # holds the chart until the process is killed

    await cleo.send_text("/progress")
    for _ in range(1000):
        if pool.in_flight:
            break
        await asyncio.sleep(0.01)
    assert pool.in_flight == 1
    os.kill(process, signal.SIGKILL)

    chart = await cleo.next_bot_message()
    assert chart.kind == "photo" and chart.photo[:8] == PNG
    assert await pool.run(os.getpid) != process


async def test_a_chart_that_kills_its_render_process_is_a_clear_try_again(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
):
    cleo = await client_with_weights(harness)
    monkeypatch.setattr(rendering, "metric_chart", crash)

    await cleo.send_text("/progress")

    reply = await cleo.next_bot_message()
    assert reply.text == "The picture could not be drawn just now. Please try again."
    monkeypatch.undo()
    await cleo.send_text("/progress")
    chart = await cleo.next_bot_message()
    assert chart.kind == "photo" and chart.photo[:8] == PNG
