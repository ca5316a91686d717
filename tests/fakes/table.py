"""An in-memory table: rows by id, unique constraints, sorted selects.

Rows are copied in and out, so an entity a use case holds never aliases a stored row
(as with the database, a change is stored only by `update`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class FakeIntegrityError(Exception):
    """A unique constraint the real database would enforce (an IntegrityError there)."""


def as_json(value: Any) -> Any:
    """A value as a JSON column gives it back: tuples become lists, keys strings."""
    return json.loads(json.dumps(value))


def nulls_last(value: Any) -> tuple[bool, Any]:
    """A sort key for a column that may be NULL."""
    return (value is None, value)


class Table(Generic[T]):
    def __init__(
        self,
        unique: Iterable[tuple[str, ...]] = (),
        errors: dict[tuple[str, ...], Callable[[], Exception]] | None = None,
        json_fields: Iterable[str] = (),
    ) -> None:
        self.rows: dict[int, T] = {}
        self.next_id = 1
        self.unique = tuple(unique)
        self.errors = errors or {}
        self.json_fields = tuple(json_fields)

    def insert(self, entity: T) -> T:
        """Store a copy and give `entity` the new id, like the SQL repositories do."""
        self._check_unique(entity, row_id=None)
        entity.id = self.next_id  # type: ignore[attr-defined]
        self.next_id += 1
        self.rows[entity.id] = self._stored(entity)  # type: ignore[attr-defined]
        return entity

    def get(self, row_id: int | None) -> T | None:
        row = self.rows.get(row_id) if row_id is not None else None
        return copy.deepcopy(row) if row is not None else None

    def update(self, entity: T, fields: Iterable[str] | None = None) -> bool:
        """Write over the row with the entity's id (only `fields` if given); False if none."""
        row_id = entity.id  # type: ignore[attr-defined]
        if row_id not in self.rows:
            return False
        row = copy.deepcopy(self.rows[row_id])
        for name in fields if fields is not None else vars(entity):
            setattr(row, name, copy.deepcopy(getattr(entity, name)))
        self._check_unique(row, row_id=row_id)
        self.rows[row_id] = self._stored(row)
        return True

    def delete(self, row_id: int) -> None:
        self.rows.pop(row_id, None)

    def select(
        self,
        where: Callable[[T], bool] = lambda row: True,
        *,
        order: Callable[[T], Any] = lambda row: row.id,  # type: ignore[attr-defined]
        desc: bool = False,
        limit: int | None = None,
    ) -> list[T]:
        found = sorted((r for r in self.rows.values() if where(r)), key=order, reverse=desc)
        return [copy.deepcopy(row) for row in found[:limit]]

    def first(self, where: Callable[[T], bool], **kwargs: Any) -> T | None:
        found = self.select(where, limit=1, **kwargs)
        return found[0] if found else None

    def _stored(self, entity: T) -> T:
        row = copy.deepcopy(entity)
        for name in self.json_fields:
            setattr(row, name, as_json(getattr(row, name)))
        return row

    def _check_unique(self, entity: T, *, row_id: int | None) -> None:
        for columns in self.unique:
            values = tuple(getattr(entity, c) for c in columns)
            if None in values:  # NULLs never collide in a unique constraint
                continue
            for other_id, other in self.rows.items():
                if other_id != row_id and tuple(getattr(other, c) for c in columns) == values:
                    error = self.errors.get(columns)
                    raise error() if error else FakeIntegrityError(columns, values)
