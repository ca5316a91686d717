"""Exports: a client's metric history as CSV, and their whole record as ZIP files.

A record's ZIP holds `record.json` (everything, nested), one CSV per table for
spreadsheets, and the photos decrypted as JPEG files. CSV files are UTF-8 with a byte
order mark, so spreadsheet programs read umlauts right, and every text cell that would
start a formula is quoted (`spreadsheet_cell`), so a name like `=HYPERLINK(...)` is shown,
never run.

Telegram takes uploads up to 50 MB. An export larger than one part is split: the data
files go into the first part, the photos fill it and the following ones; each part is
checked against the limit as it is written (photos are stored, not compressed again, so
their size is known in advance). More parts than `MAX_PARTS` is refused.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from gettext import ngettext
from typing import Any

from coachbot.domain.progress.errors import ExportTooLarge
from coachbot.domain.progress.views import ClientRecord

MAX_PARTS = 20
CENTRAL_ENTRY = 46  # bytes of a file's entry in the central directory, without its name
LOCAL_HEADER = 30  # bytes of a file's local header, without its name
END_RECORD = 22
SLACK = 64  # data descriptors and extra fields, per file


class CsvZipExportWriter:
    """`ExportWriter`. CPU-bound: run it in a thread."""

    def metrics_csv(self, record: ClientRecord) -> bytes:
        return _csv(record.tables.get("metrics", []))

    def archive(self, record: ClientRecord, *, part_bytes: int) -> list[bytes]:
        data = self._data_files(record)
        total = sum(len(content) for _, content in (*data, *record.photos))
        if (needed := -(-total // part_bytes)) > MAX_PARTS:
            raise ExportTooLarge(parts=needed, maximum_parts=MAX_PARTS)
        parts = [_Part(part_bytes)]
        for name, content in data:  # the data stays together in the first part
            if not parts[0].fits(name, len(content)):
                raise ExportTooLarge(parts=needed, maximum_parts=MAX_PARTS)
            parts[0].add(name, content, compress=True)
        for name, content in record.photos:
            if not parts[-1].fits(name, len(content)):
                parts.append(_Part(part_bytes))
                if not parts[-1].fits(name, len(content)) or len(parts) > MAX_PARTS:
                    raise ExportTooLarge(parts=max(needed, len(parts)), maximum_parts=MAX_PARTS)
            parts[-1].add(name, content, compress=False)
        return [part.close() for part in parts]

    def _data_files(self, record: ClientRecord) -> list[tuple[str, bytes]]:
        everything = {
            "client": record.client_name,
            "exported_at": record.exported_at.isoformat(),
            **record.tables,
            "photos": [name for name, _ in record.photos],
        }
        files = [
            ("README.txt", _readme(record).encode()),
            (
                "record.json",
                json.dumps(everything, indent=2, default=_json, ensure_ascii=False).encode(),
            ),
        ]
        files += [(f"{table}.csv", _csv(rows)) for table, rows in record.tables.items()]
        return files


class _Part:
    """One ZIP file being written, with the bytes it will have once closed."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._buffer = io.BytesIO()
        self._zip = zipfile.ZipFile(self._buffer, "w")
        self._central = END_RECORD

    def fits(self, name: str, size: int) -> bool:
        """Whether a file of `size` bytes (an upper bound once compressed) still fits."""
        encoded = len(name.encode())
        after = self._buffer.tell() + LOCAL_HEADER + encoded + size + SLACK
        return after + self._central + CENTRAL_ENTRY + encoded + SLACK <= self._limit

    def add(self, name: str, content: bytes, *, compress: bool) -> None:
        method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        self._zip.writestr(name, content, compress_type=method)
        self._central += CENTRAL_ENTRY + len(name.encode()) + SLACK

    def close(self) -> bytes:
        self._zip.close()
        return self._buffer.getvalue()


def _csv(rows: list[dict[str, Any]]) -> bytes:
    """The one CSV writer of the bot: every cell goes through `spreadsheet_cell`."""
    out = io.StringIO()
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    columns = columns or ["empty"]
    writer = csv.writer(out)
    writer.writerow([spreadsheet_cell(column) for column in columns])
    for row in rows:
        writer.writerow([spreadsheet_cell(_cell(row.get(column))) for column in columns])
    return out.getvalue().encode("utf-8-sig")


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """`value` as a CSV cell that a spreadsheet shows and never runs: text starting like a
    formula gets a leading single quote (OWASP's rule for CSV injection). Numbers stay
    numbers (a negative measurement is -1.5, not text)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=_json)
    return value


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__}")


def _readme(record: ClientRecord) -> str:
    # The README is English (no catalogue is installed here): ngettext picks the plural.
    tables = "\n".join(
        "- "
        + ngettext("{name}.csv ({count} row)", "{name}.csv ({count} rows)", len(rows)).format(
            name=name, count=len(rows)
        )
        for name, rows in record.tables.items()
    )
    photos = ngettext(
        "- photos/ ({count} photo, decrypted, EXIF-free JPEG)",
        "- photos/ ({count} photos, decrypted, EXIF-free JPEG)",
        len(record.photos),
    ).format(count=len(record.photos))
    return (
        f"Coachbot export: {record.client_name}\n"
        f"Exported at {record.exported_at.isoformat()} (UTC)\n\n"
        "record.json holds everything below in one file.\n"
        "Measurements are in SI units (kg, cm, %) unless a custom metric says otherwise;\n"
        "times are UTC.\n"
        "intake.csv holds the answers of the initial assessment and the health screen,\n"
        "flagged first (a yes to a health or injury question: check before training).\n\n"
        f"{tables}\n"
        f"{photos}\n"
    )
