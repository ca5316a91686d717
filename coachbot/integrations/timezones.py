"""The IANA time zone at a place, from the offline boundary data of timezonefinder."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder


@cache
def _finder() -> TimezoneFinder:
    """Imported (with numpy) and loaded once, on first use: most processes never ask."""
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def zone_at(latitude: float, longitude: float) -> str | None:
    """None at sea or where no zone is known."""
    return _finder().timezone_at(lat=latitude, lng=longitude)


class OfflineTimeZones:
    """The forms' `TimeZones`, from the boundary data shipped with timezonefinder."""

    def zone_at(self, latitude: float, longitude: float) -> str | None:
        return zone_at(latitude, longitude)
