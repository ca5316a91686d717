"""What a client tells at onboarding reaches where it is used: the weight is the first
measurement, and the coach sees the intake and health answers."""

from __future__ import annotations

from tests.e2e.conftest import Harness
from tests.e2e.onboarding_helpers import onboard_through_forms


async def test_the_onboarding_weight_is_the_first_measurement(harness: Harness):
    cleo = await onboard_through_forms(harness)
    await cleo.send_text("/progress")
    chart = await cleo.next_bot_message()
    assert chart.kind == "photo", chart.text
    assert "64" in chart.text  # the caption: the only weight so far
