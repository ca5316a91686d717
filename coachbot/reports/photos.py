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
from functools import cache
from io import BytesIO
from zoneinfo import ZoneInfo

from PIL import Image, ImageCms, ImageDraw, ImageFont, ImageOps

from coachbot.domain.checkins.photos import InvalidPhoto, ProcessedPhoto
from coachbot.domain.progress.views import ComparisonSide, PhotoComparison, Viewpoint
from coachbot.reports.labels import (
    N_,
    Translate,
    font_path,
    long_date,
    number,
    signed,
    untranslated,
)

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
        converted = ImageCms.profileToProfile(image, profile, _SRGB, outputMode=image.mode)
        return converted if converted is not None else image
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


# -- side-by-side comparisons ---------------------------------------------------------

BACKGROUND = (21, 24, 29)
CAPTION = (245, 246, 248)
CAPTION_MUTED = (170, 178, 190)
EMPTY_CELL = (38, 43, 51)
GAP = 12
MARGIN = 24
HEADER = 132
COMPARISON_HEIGHT = {1: 1100, 2: 1500, 3: 1800}  # the photos' total height by rows
POSES = (N_("Front"), N_("Side"), N_("Back"))


class PillowPhotoComparer:
    """`PhotoComparer`: two check-ins' photos in two columns (before, after), one row per
    pose (front, side, back, in the order they were sent), every photo scaled to the
    same height, each column under its date. CPU-bound: run it in a thread."""

    def __init__(self, translate: Translate = untranslated, *, quality: int = 88) -> None:
        self._t = translate
        self.quality = quality

    def compare(self, comparison: PhotoComparison) -> bytes:
        before = [_open(data) for data in comparison.before.images]
        after = [_open(data) for data in comparison.after.images]
        rows = max(len(before), len(after), 1)
        height = COMPARISON_HEIGHT.get(rows, 1800) // rows
        columns = [_scaled(before, height), _scaled(after, height)]
        widths = [
            max((im.width for im in column if im), default=height * 3 // 4) for column in columns
        ]
        canvas = Image.new(
            "RGB",
            (2 * MARGIN + sum(widths) + GAP, HEADER + rows * height + (rows - 1) * GAP + MARGIN),
            BACKGROUND,
        )
        draw = ImageDraw.Draw(canvas)
        x = MARGIN
        sides = (comparison.before, comparison.after)
        for index, (column, width) in enumerate(zip(columns, widths, strict=True)):
            self._caption(
                draw, sides[index], sides[0] if index else None, comparison.view, x, width
            )
            for row in range(rows):
                top = HEADER + row * (height + GAP)
                image = column[row] if row < len(column) else None
                if image is None:
                    self._empty(draw, comparison.view, (x, top, x + width - 1, top + height - 1))
                    continue
                canvas.paste(image, (x + (width - image.width) // 2, top))
                if rows > 1 and index == 0:
                    self._pose(draw, row, comparison.view, x, top)
            x += width + GAP
        out = BytesIO()
        canvas.save(out, "JPEG", quality=self.quality, optimize=True)
        return out.getvalue()

    def _caption(
        self,
        draw: ImageDraw.ImageDraw,
        side: ComparisonSide,
        before: ComparisonSide | None,
        view: Viewpoint,
        x: int,
        width: int,
    ) -> None:
        language = view.language
        day = side.taken.astimezone(ZoneInfo(view.timezone)).date()
        draw.text((x, MARGIN), long_date(day, language), font=_font(38, bold=True), fill=CAPTION)
        detail = ""
        if side.value is not None and side.definition is not None:
            unit = side.definition.symbol(view.units)
            shown = side.definition.shown(side.value, view.units)
            detail = f"{number(shown, language)} {unit}".strip()
            if before is not None and before.value is not None:
                change = shown - side.definition.shown(before.value, view.units)
                detail += f" ({signed(change, language)} {unit})".rstrip()
        label = (
            self._t(language, N_("Before")) if before is None else self._t(language, N_("After"))
        )
        text = f"{label} · {detail}" if detail else label
        draw.text((x, MARGIN + 52), _fit(text, width, 30), font=_font(30), fill=CAPTION_MUTED)

    def _empty(
        self, draw: ImageDraw.ImageDraw, view: Viewpoint, box: tuple[int, int, int, int]
    ) -> None:
        draw.rectangle(box, fill=EMPTY_CELL)
        centre = ((box[0] + box[2]) // 2, (box[1] + box[3]) // 2)
        text = self._t(view.language, N_("No photo"))
        draw.text(centre, text, font=_font(28), fill=CAPTION_MUTED, anchor="mm")

    def _pose(self, draw: ImageDraw.ImageDraw, row: int, view: Viewpoint, x: int, top: int) -> None:
        if row >= len(POSES):
            return
        font = _font(26)
        text = self._t(view.language, POSES[row])
        left, upper, right, lower = draw.textbbox((x + 12, top + 12), text, font=font)
        draw.rounded_rectangle((left - 8, upper - 6, right + 8, lower + 6), 8, fill=BACKGROUND)
        draw.text((x + 12, top + 12), text, font=font, fill=CAPTION)


def _open(data: bytes) -> Image.Image:
    """A stored photo: already upright, sRGB and free of metadata (see `process`)."""
    with Image.open(BytesIO(data), formats=FORMATS) as image:
        return image.convert("RGB")


def _scaled(images: list[Image.Image], height: int) -> list[Image.Image]:
    return [
        _resize(image, (max(1, round(image.width * height / image.height)), height))
        for image in images
    ]


@cache
def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(bold=bold)), size)


def _fit(text: str, width: int, size: int) -> str:
    """Shorten a caption that would run past its column."""
    font = _font(size)
    while len(text) > 4 and font.getlength(text) > width:
        text = text[:-2].rstrip() + "…"
    return text
