"""How many sends a worker keeps in flight: sized from the measured round trip."""

from __future__ import annotations

import asyncio

from coachbot.scheduler.sender import SendingPlaces


def test_one_place_until_a_round_trip_is_measured():
    assert SendingPlaces(rate_per_second=30, cap=16).size == 1


def test_places_cover_the_rate_over_the_round_trip_with_a_margin():
    places = SendingPlaces(rate_per_second=30, cap=16)
    places.measured(0.05)  # 30/s x 50 ms = 1.5 sends under way, x 1.5
    assert places.size == 3
    for _ in range(50):
        places.measured(0.15)  # the average follows a slower network
    assert places.size == 7  # ceil(30 x 0.15 x 1.5)


def test_places_never_exceed_the_cap():
    places = SendingPlaces(rate_per_second=30, cap=4)
    places.measured(2.0)
    assert places.size == 4


async def test_no_more_sends_than_places_run_at_once():
    places = SendingPlaces(rate_per_second=30, cap=16)
    places.measured(0.1)  # 5 places
    running, most = 0, 0

    async def send() -> None:
        nonlocal running, most
        async with places.place():
            running += 1
            most = max(most, running)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            running -= 1

    await asyncio.gather(*(send() for _ in range(20)))
    assert (most, places.in_use) == (5, 0)
