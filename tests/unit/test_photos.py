from __future__ import annotations

import struct
import zlib
from io import BytesIO

import pytest
from PIL import ExifTags, Image, ImageCms

from coachbot.domain.checkins.photos import InvalidPhoto
from coachbot.reports.photos import PillowPhotoProcessor

RED = (255, 0, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)


@pytest.fixture
def processor() -> PillowPhotoProcessor:
    return PillowPhotoProcessor()


def encoded(image: Image.Image, fmt: str = "JPEG", **params) -> bytes:
    out = BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image


def phone_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (13.0, 24.0, 36.0),
    }
    return exif


def png_header(width: int, height: int) -> bytes:
    """A tiny 1-bit PNG that claims `width` x `height`: a decompression bomb's header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


def close_to(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 24) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def test_gps_and_every_other_metadata_are_gone(processor):
    original = encoded(
        Image.new("RGB", (600, 400), BLUE),
        exif=phone_exif(),
        comment=b"taken at home",
        xmp=b"<x:xmpmeta><exif:GPSLatitude>52,31N</exif:GPSLatitude></x:xmpmeta>",
    )
    assert opened(original).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    photo = processor.process(original)

    for data in (photo.image, photo.thumbnail):
        image = opened(data)
        assert not image.getexif()
        assert not {"exif", "xmp", "comment", "icc_profile"} & image.info.keys()
        assert b"Exif\x00\x00" not in data and b"PhoneCo" not in data and b"GPS" not in data
    assert photo.content_type == "image/jpeg"


def test_exif_orientation_turns_the_photo_upright(processor):
    stored = Image.new("RGB", (600, 400), WHITE)
    stored.paste(RED, (0, 0, 100, 100))  # top left as stored by the camera
    # Orientation 6: the camera was turned, the viewer rotates 90 degrees clockwise.
    photo = processor.process(encoded(stored, exif=phone_exif(orientation=6)))

    upright = opened(photo.image)
    assert (photo.width, photo.height) == upright.size == (400, 600)
    assert close_to(upright.getpixel((350, 50)), RED)  # now top right
    assert close_to(upright.getpixel((50, 50)), WHITE)
    assert close_to(upright.getpixel((350, 550)), WHITE)


@pytest.mark.parametrize(
    ("size", "expected"),
    [((3000, 1000), (2048, 683)), ((1000, 3000), (683, 2048)), ((300, 200), (300, 200))],
)
def test_long_side_is_bounded_and_small_photos_are_not_enlarged(processor, size, expected):
    photo = processor.process(encoded(Image.new("RGB", size, BLUE), "PNG"))
    assert (photo.width, photo.height) == opened(photo.image).size == expected


def test_a_large_jpeg_decoded_at_reduced_scale_still_fills_the_maximum_size(processor):
    # 4200 px wide: libjpeg decodes at 1/2 (2100 px), which is then resized to 2048.
    photo = processor.process(encoded(Image.new("RGB", (4200, 1000), BLUE), quality=90))
    assert (photo.width, photo.height) == (2048, 488)


@pytest.mark.parametrize(
    ("size", "expected"), [((3000, 1000), (320, 107)), ((200, 100), (200, 100))]
)
def test_thumbnail_is_bounded(processor, size, expected):
    photo = processor.process(encoded(Image.new("RGB", size, BLUE)))
    assert opened(photo.thumbnail).size == expected
    assert len(photo.thumbnail) < len(photo.image) or size == (200, 100)


@pytest.mark.parametrize("mode", ["RGBA", "P", "LA"])
def test_transparency_is_laid_on_white(processor, mode):
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (100, 0, 200, 100))
    if mode == "P":
        image = image.convert("P")
        image.info["transparency"] = image.getpixel((0, 0))
    elif mode == "LA":
        image = image.convert("LA")

    flat = opened(processor.process(encoded(image, "PNG")).image)

    assert flat.mode == "RGB"
    assert close_to(flat.getpixel((20, 50)), WHITE)
    assert not close_to(flat.getpixel((180, 50)), WHITE)


def test_webp_is_accepted(processor):
    photo = processor.process(encoded(Image.new("RGB", (120, 80), RED), "WEBP"))
    assert (photo.width, photo.height) == (120, 80)


def test_colours_are_converted_to_srgb_and_the_profile_dropped(processor):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photo = processor.process(encoded(Image.new("RGB", (50, 50), RED), icc_profile=srgb))
    image = opened(photo.image)
    assert "icc_profile" not in image.info
    assert close_to(image.getpixel((25, 25)), RED)


@pytest.mark.parametrize(
    "size",
    [(10_000, 9_000), (30_000, 30_000)],
    ids=["just over MAX_IMAGE_PIXELS (a warning in Pillow)", "over twice it (an error)"],
)
def test_decompression_bomb_is_refused_before_decoding(processor, size):
    assert size[0] * size[1] > Image.MAX_IMAGE_PIXELS
    with pytest.raises(InvalidPhoto) as refused:
        processor.process(png_header(*size))
    assert refused.value.code == "too_many_pixels"
    assert refused.value.params["maximum_megapixels"] == 89


def truncated_jpeg() -> bytes:
    data = encoded(Image.effect_noise((400, 300), 60).convert("RGB"))
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    "data",
    [
        b"Dear coach, here is my photo",
        b"",
        encoded(Image.new("RGB", (40, 30), RED), "GIF"),
        truncated_jpeg(),
        encoded(Image.new("RGB", (40, 30), RED), "BMP"),
    ],
    ids=["text", "empty", "gif", "truncated jpeg", "bmp"],
)
def test_anything_but_a_whole_jpeg_png_or_webp_is_refused(processor, data):
    with pytest.raises(InvalidPhoto) as refused:
        processor.process(data)
    assert refused.value.code == "not_an_image"


def test_a_file_over_the_byte_limit_is_refused_before_decoding():
    processor = PillowPhotoProcessor(max_bytes=512 * 1024)
    with pytest.raises(InvalidPhoto) as refused:
        processor.process(b"\xff\xd8" + bytes(512 * 1024))
    assert refused.value.code == "too_large"
    assert refused.value.params == {"maximum_mb": 0.5}
    assert PillowPhotoProcessor().max_bytes == 20 * 1024 * 1024
