"""The export ZIP's README counts rows and photos in words that agree with the number."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

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
