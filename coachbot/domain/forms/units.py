"""Body measurements in the units people type, stored in one unit each (kg, cm, %)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

KG_PER_LB = 0.45359237
CM_PER_INCH = 2.54


class UnitSystem(StrEnum):
    metric = "metric"
    imperial = "imperial"


class Dimension(StrEnum):
    mass = "mass"
    length = "length"
    percent = "percent"


class Metric(StrEnum):
    weight = "weight"
    height = "height"
    waist = "waist"
    hips = "hips"
    chest = "chest"
    arm = "arm"
    thigh = "thigh"
    body_fat = "body_fat"

    @property
    def dimension(self) -> Dimension:
        if self is Metric.weight:
            return Dimension.mass
        if self is Metric.body_fat:
            return Dimension.percent
        return Dimension.length


# What a measurement can plausibly be, in kg, cm or %: a typo (720 for 72.0, or a negative
# number) is asked again, any real body is not. Check-in questions and /log share it.
PLAUSIBLE_RANGES: dict[Metric, tuple[float, float]] = {
    Metric.weight: (25, 350),
    Metric.height: (100, 250),
    Metric.waist: (40, 250),
    Metric.hips: (40, 250),
    Metric.chest: (40, 250),
    Metric.arm: (10, 100),
    Metric.thigh: (20, 150),
    Metric.body_fat: (2, 70),
}


# A value to show as an example of how to answer, in each system's unit.
EXAMPLES: dict[Metric, dict[UnitSystem, float]] = {
    Metric.weight: {UnitSystem.metric: 72.5, UnitSystem.imperial: 160},
    Metric.height: {UnitSystem.metric: 170, UnitSystem.imperial: 67},
    Metric.waist: {UnitSystem.metric: 80.5, UnitSystem.imperial: 31.5},
    Metric.hips: {UnitSystem.metric: 98, UnitSystem.imperial: 38.5},
    Metric.chest: {UnitSystem.metric: 95, UnitSystem.imperial: 37.5},
    Metric.arm: {UnitSystem.metric: 30.5, UnitSystem.imperial: 12},
    Metric.thigh: {UnitSystem.metric: 55, UnitSystem.imperial: 21.5},
    Metric.body_fat: {UnitSystem.metric: 22.5, UnitSystem.imperial: 22.5},
}


@dataclass(frozen=True)
class Unit:
    symbol: str
    to_si: float  # multiply to get kg or cm


UNITS: dict[Dimension, dict[UnitSystem, Unit]] = {
    Dimension.mass: {
        UnitSystem.metric: Unit("kg", 1.0),
        UnitSystem.imperial: Unit("lb", KG_PER_LB),
    },
    Dimension.length: {
        UnitSystem.metric: Unit("cm", 1.0),
        UnitSystem.imperial: Unit("in", CM_PER_INCH),
    },
    Dimension.percent: {UnitSystem.metric: Unit("%", 1.0), UnitSystem.imperial: Unit("%", 1.0)},
}

# What people type after a number, by dimension.
SUFFIXES: dict[Dimension, dict[str, float]] = {
    Dimension.mass: {
        "kg": 1.0,
        "kgs": 1.0,
        "kilo": 1.0,
        "kilos": 1.0,
        "lb": KG_PER_LB,
        "lbs": KG_PER_LB,
        "pound": KG_PER_LB,
        "pounds": KG_PER_LB,
    },
    Dimension.length: {
        "cm": 1.0,
        "m": 100.0,
        "mm": 0.1,
        "in": CM_PER_INCH,
        "inch": CM_PER_INCH,
        "inches": CM_PER_INCH,
        '"': CM_PER_INCH,
        "ft": 12 * CM_PER_INCH,
        "feet": 12 * CM_PER_INCH,
        "'": 12 * CM_PER_INCH,
    },
    Dimension.percent: {"%": 1.0, "percent": 1.0},
}

NUMBER = r"[+-]?\d+(?:[.,]\d+)?"
_NUMBER_WITH_UNIT = re.compile(rf"^\s*({NUMBER})\s*([^\d\s]*)\s*$")
_FEET_INCHES = re.compile(
    rf"^\s*({NUMBER})\s*(?:'|ft|feet)\s*(?:({NUMBER})\s*(?:\"|''|in|inch|inches)?)?\s*$"
)


class UnitError(ValueError):
    """`code` names what was wrong: not_a_number, unknown_unit."""

    def __init__(self, code: str, unit: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.unit = unit


def parse_number(text: str) -> tuple[float, str]:
    """'72,5 kg' -> (72.5, 'kg'): decimal comma or point, optional unit after."""
    match = _NUMBER_WITH_UNIT.match(text.strip().lower())
    if not match:
        raise UnitError("not_a_number")
    return _finite(match.group(1)), match.group(2)


def _finite(number: str) -> float:
    """A number matched by NUMBER; 400 nines would be infinity, which is not a number."""
    value = float(number.replace(",", "."))
    if not math.isfinite(value):
        raise UnitError("not_a_number")
    return value


def to_si(text: str, metric: Metric, preferred: UnitSystem) -> float:
    """A measurement as typed (with or without a unit) in kg, cm or %."""
    value = _to_si(text, metric, preferred)
    if not math.isfinite(value):  # 1e308 metres: no number in centimetres
        raise UnitError("not_a_number")
    return value


def _to_si(text: str, metric: Metric, preferred: UnitSystem) -> float:
    dimension = metric.dimension
    if dimension is Dimension.length and (feet := _FEET_INCHES.match(text.strip().lower())):
        inches = _finite(feet.group(1)) * 12 + _finite(feet.group(2) or "0")
        return inches * CM_PER_INCH
    value, suffix = parse_number(text)
    if not suffix:
        return value * UNITS[dimension][preferred].to_si
    factor = SUFFIXES[dimension].get(suffix)
    if factor is None:
        raise UnitError("unknown_unit", suffix)
    return value * factor


def from_si(value: float, metric: Metric, units: UnitSystem) -> float:
    return value / UNITS[metric.dimension][units].to_si


def unit_symbol(metric: Metric, units: UnitSystem) -> str:
    return UNITS[metric.dimension][units].symbol


def other_system(units: UnitSystem) -> UnitSystem:
    return UnitSystem.imperial if units is UnitSystem.metric else UnitSystem.metric
