"""Generated files delivered through the outbox: monthly reports and exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from coachbot.domain.shared.notices import Notice


@dataclass(frozen=True, kw_only=True)
class StoredFileNotice(Notice):
    """Comes with a file kept in the blob store (the message's attachment)."""

    filename: str
    size: int


@dataclass(frozen=True, kw_only=True)
class MonthlyReport(StoredFileNotice):
    start: date
    end: date


@dataclass(frozen=True, kw_only=True)
class ExportReady(StoredFileNotice):
    client: str
    part: int = 1
    parts: int = 1
