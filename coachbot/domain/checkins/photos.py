"""A photo as the coaching domain keeps it, and why an upload can be refused.

The decoding itself (Pillow) lives in `reports/photos.py` behind the `PhotoProcessor`
port; the domain only sees the result: a re-encoded image without metadata and its
thumbnail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coachbot.domain.shared.errors import DomainError


@dataclass(frozen=True)
class ProcessedPhoto:
    """A photo ready to store: upright, bounded in size, stripped of EXIF (GPS) data."""

    image: bytes
    thumbnail: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"


class InvalidPhoto(DomainError):
    """Codes: not_an_image, too_many_pixels (params: maximum_megapixels), too_large
    (params: maximum_mb)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
