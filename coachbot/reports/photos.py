"""Uploaded photos made safe and small enough to keep.

Privacy: a phone photo carries EXIF data (GPS position, time, device) and sometimes XMP
or a comment. Nothing of that is kept: the image is decoded and re-encoded as a fresh
JPEG without metadata, turned upright (EXIF orientation), its colours converted to sRGB
so that dropping the ICC profile does not change them.

Safety: only JPEG, PNG and WebP are decoded, the byte size is checked before decoding
and the pixel count before the pixels are read (decompression bombs).

Speed: a JPEG is decoded by libjpeg at a reduced DCT scale (`draft`: 1/2, 1/4 or 1/8)
whenever that still gives at least the final size, i.e. from twice `max_side` up (a
4000 px photo is decoded in full, an 8000 px one at 1/2); everything after the decode
(orientation, colour conversion, thumbnail) works on the already reduced image.
"""

from __future__ import annotations

import logging
import struct
import warnings
from io import BytesIO

from PIL import Image, ImageCms, ImageOps

from coachbot.domain.model.photos import InvalidPhoto, ProcessedPhoto

logger = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024
FORMATS = ["JPEG", "PNG", "WEBP"]
DRAFT_SLACK = 97  # percent of max_side a reduced-scale decode may come out at
WHITE = (255, 255, 255)
# What Pillow raises on broken or truncated files, besides its own exceptions.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error)
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class PillowPhotoProcessor:
    """`PhotoProcessor` with Pillow. CPU-bound: run `process` in a thread."""

    def __init__(
        self,
        *,
        max_bytes: int = 20 * MEGABYTE,
        max_side: int = 2048,
        thumbnail_side: int = 320,
        quality: int = 85,
    ) -> None:
        self.max_bytes = max_bytes
        self.max_side = max_side
        self.thumbnail_side = thumbnail_side
        self.quality = quality

    def process(self, data: bytes) -> ProcessedPhoto:
        if len(data) > self.max_bytes:
            raise InvalidPhoto("too_large", maximum_mb=_megabytes(self.max_bytes))
        image = self._decode(data)
        image = _resize(image, bounded(image.size, self.max_side))
        image = _flatten(_to_srgb(_upright(image)))
        thumbnail = _resize(image, bounded(image.size, self.thumbnail_side))
        return ProcessedPhoto(
            image=self._encode(image),
            thumbnail=self._encode(thumbnail),
            width=image.width,
            height=image.height,
        )

    def _decode(self, data: bytes) -> Image.Image:
        """RGB or RGBA pixels; a large JPEG is decoded at the smallest DCT scale that is
        still at least as large as the final size."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(BytesIO(data), formats=FORMATS)
                _refuse_bombs(image)
                # JPEG only. A 4000 px phone photo decoded at 1/2 scale is 2000 px: close
                # enough to max_side to keep, and no resampling is needed at all.
                image.draft("RGB", bounded(image.size, self.max_side * DRAFT_SLACK // 100))
                image.load()
                return _rgb_or_rgba(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except DECODE_ERRORS:
            raise InvalidPhoto("not_an_image") from None

    def _encode(self, image: Image.Image) -> bytes:
        out = BytesIO()
        # No exif/icc_profile/xmp arguments and an empty `info`: nothing but pixels is
        # written (Pillow would otherwise copy a JPEG comment from `info`).
        image.info = {}
        image.save(out, "JPEG", quality=self.quality, optimize=True)
        return out.getvalue()


def bounded(size: tuple[int, int], side: int) -> tuple[int, int]:
    """`size` scaled down so that its long side is at most `side` (never scaled up)."""
    width, height = size
    if max(width, height) <= side:
        return size
    scale = side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _refuse_bombs(image: Image.Image) -> None:
    """Pillow only warns between MAX_IMAGE_PIXELS and twice that, and the warnings filter
    set in `_decode` is process-wide state that another thread may be changing: check
    the header's size here too, before any pixel is decoded."""
    limit = Image.MAX_IMAGE_PIXELS
    if limit and image.width * image.height > limit:
        raise _too_many_pixels()


def _too_many_pixels() -> InvalidPhoto:
    limit = Image.MAX_IMAGE_PIXELS or 0
    return InvalidPhoto("too_many_pixels", maximum_megapixels=limit // 1_000_000)


def _rgb_or_rgba(image: Image.Image) -> Image.Image:
    """Palette, grey, CMYK, 16-bit... as RGB(A); the ICC profile of another colour space
    no longer applies then."""
    if image.mode in ("RGB", "RGBA"):
        return image
    converted = image.convert("RGBA" if image.has_transparency_data else "RGB")
    converted.info.pop("icc_profile", None)
    return converted


def _resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Pillow keeps `info` (EXIF orientation, ICC profile) on the resized copy."""
    if image.size == size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; a photo with unreadable EXIF is kept as it is."""
    try:
        return ImageOps.exif_transpose(image)
    except DECODE_ERRORS as error:
        logger.info("Ignoring unreadable EXIF orientation: %s", error)
        return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert from the embedded ICC profile (e.g. an iPhone's Display P3) to sRGB."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        profile = ImageCms.ImageCmsProfile(BytesIO(icc))
        return ImageCms.profileToProfile(image, profile, _SRGB, outputMode=image.mode)
    except (ImageCms.PyCMSError, *DECODE_ERRORS) as error:
        logger.info("Ignoring unusable ICC profile: %s", error)
        return image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white."""
    if image.mode == "RGB":
        return image
    if not image.has_transparency_data:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, WHITE)
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def _megabytes(size: int) -> int | float:
    value = round(size / MEGABYTE, 1)
    return int(value) if value.is_integer() else value
