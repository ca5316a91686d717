"""What can be measured: the built-in body metrics and the ones a coach defines.

Built-in values are stored in SI units (kg, cm, %) and shown in the person's units; a
custom metric is stored and shown in the unit its coach gave it. Either way a value is
read and checked by the questionnaire engine's own readers, so `/log` accepts exactly
what a check-in question would ("72,5", "160 lb", "5'11").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coachbot.domain.forms.questions import AnswerContext, Question, QuestionKind
from coachbot.domain.forms.units import (
    PLAUSIBLE_RANGES,
    UNITS,
    Metric,
    UnitSystem,
    from_si,
    unit_symbol,
)
from coachbot.domain.shared.errors import InvalidDetailError

CUSTOM_PREFIX = "custom:"

# Height is a profile detail, not a progress metric.
LOGGABLE = tuple(metric for metric in PLAUSIBLE_RANGES if metric is not Metric.height)
PANEL_METRICS = (Metric.weight, Metric.waist, Metric.body_fat)

NAME_MAX = 40
UNIT_MAX = 12


@dataclass(frozen=True)
class MetricDefinition:
    """How one metric is read, checked, stored and shown."""

    key: str  # "weight", "waist", ... or "custom:12"
    minimum: float
    maximum: float
    builtin: Metric | None = None
    name: str = ""  # a custom metric's name, as its coach wrote it
    unit: str = ""  # a custom metric's unit
    decimals: int = 1

    @property
    def custom(self) -> bool:
        return self.builtin is None

    def question(self) -> Question:
        """The equivalent check-in question: reading and range checks are the same."""
        prompt = {"en": self.name or self.key}
        if self.builtin is not None:
            return Question(
                key=self.key,
                kind=QuestionKind.metric,
                prompt=prompt,
                metric=self.builtin,
                minimum=self.minimum,
                maximum=self.maximum,
            )
        return Question(
            key=self.key,
            kind=QuestionKind.number,
            prompt=prompt,
            minimum=_plain(self.minimum),
            maximum=_plain(self.maximum),
            decimals=self.decimals,
            unit=self.unit or None,
        )

    def read(self, text: str, context: AnswerContext) -> float:
        """The stored value for a typed one; raises `InvalidAnswer`."""
        return float(self.question().read(text, context))

    def shown(self, value: float, units: UnitSystem) -> float:
        """A stored value in the units the person reads."""
        if self.builtin is None:
            return value
        return from_si(value, self.builtin, units)

    def stored(self, value: float, units: UnitSystem) -> float:
        """A value in the person's units as it is stored."""
        if self.builtin is None:
            return value
        return value * UNITS[self.builtin.dimension][units].to_si

    def symbol(self, units: UnitSystem) -> str:
        if self.builtin is None:
            return self.unit
        return unit_symbol(self.builtin, units)


def _plain(value: float) -> float:
    """60000 rather than 60000.0 when a refusal names the bound."""
    return int(value) if float(value).is_integer() else value


def builtin_definition(metric: Metric) -> MetricDefinition:
    low, high = PLAUSIBLE_RANGES[metric]
    return MetricDefinition(key=metric.value, minimum=low, maximum=high, builtin=metric)


@dataclass
class CustomMetric:
    """A metric a coach defines, for one client or (client_id None) all their clients."""

    coach_id: int
    name: str
    unit: str
    minimum: float
    maximum: float
    created_at: datetime
    client_id: int | None = None
    decimals: int = 1
    archived: bool = False
    id: int | None = None

    @property
    def key(self) -> str:
        return f"{CUSTOM_PREFIX}{self.id}"

    def definition(self) -> MetricDefinition:
        return MetricDefinition(
            key=self.key,
            minimum=self.minimum,
            maximum=self.maximum,
            name=self.name,
            unit=self.unit,
            decimals=self.decimals,
        )

    def applies_to(self, client_id: int) -> bool:
        return not self.archived and self.client_id in (None, client_id)


def metric_params(definition: MetricDefinition | None) -> dict[str, Any]:
    """What a notice or badge keeps of its metric to show values later, in the reader's
    units (a custom metric by its name and unit: it may be archived by then)."""
    if definition is None:
        return {"metric": None, "metric_name": "", "unit": ""}
    return {"metric": definition.key, "metric_name": definition.name, "unit": definition.unit}


def definition_from_params(params: Mapping[str, Any]) -> MetricDefinition | None:
    """The metric `metric_params` kept, enough to show values (its range is not kept)."""
    key = params.get("metric")
    if not key:
        return None
    if key in Metric.__members__:
        return builtin_definition(Metric(key))
    return MetricDefinition(
        key=key,
        minimum=0,
        maximum=0,
        name=params.get("metric_name", ""),
        unit=params.get("unit", ""),
    )


def custom_metric_id(key: str) -> int | None:
    """12 for "custom:12"; None for a built-in key."""
    if not key.startswith(CUSTOM_PREFIX):
        return None
    number = key[len(CUSTOM_PREFIX) :]
    return int(number) if number.isdigit() else None


def check_custom_metric(name: str, unit: str, minimum: float, maximum: float) -> tuple[str, str]:
    """The cleaned name and unit; raises `InvalidDetailError` (field name, unit, range)."""
    name, unit = " ".join(name.split()), unit.strip()
    if not name:
        raise InvalidDetailError("name", "empty")
    if len(name) > NAME_MAX:
        raise InvalidDetailError("name", "too_long")
    if len(unit) > UNIT_MAX or any(c.isdigit() for c in unit):
        raise InvalidDetailError("unit", "invalid")
    if not minimum < maximum:
        raise InvalidDetailError("range", "empty")
    return name, unit


_BUILTIN_ORDER = {metric.value: position for position, metric in enumerate(Metric)}


def display_order(key: str) -> tuple[int, str]:
    """Sorts metric keys as they are listed: the built-in ones in their order (weight
    first), then the coach's own."""
    return _BUILTIN_ORDER.get(key, len(_BUILTIN_ORDER)), key


def definitions_for(client_id: int, custom: list[CustomMetric]) -> list[MetricDefinition]:
    """Everything a client can log: the built-in metrics, then their coach's own."""
    found = [builtin_definition(metric) for metric in LOGGABLE]
    found += [metric.definition() for metric in custom if metric.applies_to(client_id)]
    return found


def definition_with(
    definitions: Iterable[MetricDefinition], key: str | None
) -> MetricDefinition | None:
    """The one of `definitions` with this key, if any."""
    return next((d for d in definitions if d.key == key), None)


def definition_of(key: str | None, custom: list[CustomMetric]) -> MetricDefinition | None:
    """The definition for a stored metric key (archived custom metrics included: their
    history stays readable); None for no key (a goal without a metric)."""
    if not key:
        return None
    if key in Metric.__members__ and Metric(key) in LOGGABLE:
        return builtin_definition(Metric(key))
    number = custom_metric_id(key)
    return next((m.definition() for m in custom if m.id == number), None)
