"""Copying between domain dataclasses and rows, and the UTC rule for datetimes.

SQLite hands back naive datetimes even for `DateTime(timezone=True)`; everything stored
is UTC, so a naive value read back is UTC by construction.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CursorResult, Result, Select, select, update


def as_utc(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def row_values(entity: Any) -> dict[str, Any]:
    """Column values of a domain dataclass (enums stored as their value)."""
    values = {f.name: getattr(entity, f.name) for f in dataclasses.fields(entity)}
    return {k: getattr(v, "value", v) for k, v in values.items() if k != "id" or v is not None}


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(cls))


def to_entity(cls: type, row: Any, **converters: Any) -> Any:
    """The dataclass `cls` from a row (an ORM object, or a Core row from `columns_of`)."""
    values = {}
    for name in _field_names(cls):
        value = as_utc(getattr(row, name))
        convert = converters.get(name)
        values[name] = convert(value) if convert and value is not None else value
    return cls(**values)


def columns_of(row_class: Any) -> Select:
    """A select of the table's columns, for lists only read: plain rows come back, without
    the ORM's per-object bookkeeping (1.99 → 1.71 ms for a client's 59 weights)."""
    return select(*row_class.__table__.columns)


async def update_row(session: Any, row_class: Any, entity: Any) -> None:
    """Write an entity's values over its row (found by the entity's id)."""
    values = row_values(entity)
    values.pop("id", None)
    await session.execute(update(row_class).where(row_class.id == entity.id).values(values))


async def insert(session: Any, row_class: type, entity: Any) -> Any:
    """Store a new entity and give it the id the database chose."""
    row = row_class(**row_values(entity))
    session.add(row)
    await session.flush()
    entity.id = row.id
    return entity


def rowcount(result: Result[Any]) -> int:
    """Rows an INSERT/UPDATE/DELETE touched (typed as a plain Result by `execute`)."""
    assert isinstance(result, CursorResult)
    return result.rowcount
