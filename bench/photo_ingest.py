"""Photo ingest benchmark: one 12 MP phone photo through the photo pipeline.

Compares, on a 4000x3000 JPEG (noise and gradients, quality 92, EXIF orientation and
GPS), the median time of
  naive     Image.open + resize to a 2048 px long side (LANCZOS) + save as JPEG
  pipeline  PillowPhotoProcessor().process: the same, plus orientation, sRGB, metadata
            stripping and a thumbnail
Target: pipeline / naive <= 0.6.

    python bench/photo_ingest.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from io import BytesIO

from PIL import ExifTags, Image

from coachbot.reports.photos import PillowPhotoProcessor

SIZE = (4000, 3000)
MAX_SIDE = 2048
TARGET_RATIO = 0.6


def phone_photo() -> bytes:
    """Smooth gradients under sensor-like noise: compresses like a real photo."""
    noise = Image.effect_noise(SIZE, 40)
    horizontal = Image.linear_gradient("L").rotate(90).resize(SIZE)
    vertical = Image.linear_gradient("L").resize(SIZE)
    radial = Image.radial_gradient("L").resize(SIZE)
    image = Image.merge(
        "RGB",
        (
            Image.blend(horizontal, noise, 0.3),
            Image.blend(radial, noise, 0.3),
            Image.blend(vertical, noise, 0.5),
        ),
    )
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0),
    }
    out = BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def naive(data: bytes) -> bytes:
    image = Image.open(BytesIO(data))
    scale = MAX_SIDE / max(image.size)
    image = image.resize(
        (round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS
    )
    out = BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def median_ms(work: Callable[[], object], rounds: int) -> float:
    work()  # warm up
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    data = phone_photo()
    processor = PillowPhotoProcessor()
    naive_ms = median_ms(lambda: naive(data), args.rounds)
    pipeline_ms = median_ms(lambda: processor.process(data), args.rounds)
    naive_out = Image.open(BytesIO(naive(data)))
    photo = processor.process(data)
    ratio = pipeline_ms / naive_ms
    print(
        f"photo ingest: {SIZE[0]}x{SIZE[1]} JPEG of {len(data) / 1e6:.1f} MB, "
        f"median of {args.rounds} rounds"
    )
    print(f"{'case':10} {'median ms':>10} {'output':>10} {'bytes':>9} {'thumbnail':>10}")
    print(
        f"{'naive':10} {naive_ms:>10.1f} {'x'.join(map(str, naive_out.size)):>10} "
        f"{len(naive(data)):>9} {'-':>10}"
    )
    print(
        f"{'pipeline':10} {pipeline_ms:>10.1f} {f'{photo.width}x{photo.height}':>10} "
        f"{len(photo.image):>9} {len(photo.thumbnail):>10}"
    )
    verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
    print(f"ratio pipeline/naive: {ratio:.2f} (target <= {TARGET_RATIO}) {verdict}")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
