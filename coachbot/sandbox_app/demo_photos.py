"""The demo clients' progress photos, drawn with Pillow: a figure per pose that slims a
little week by week."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFont

from coachbot.sandbox_app.demo_people import HISTORY_WEEKS, DemoClient

POSES = ("front", "side", "back")


def progress_photos(demo: DemoClient, week: int) -> tuple[bytes, ...]:
    """Front, side and back: a figure that slims a little week by week."""
    slimming = 1.0 - 0.12 * week / max(1, HISTORY_WEEKS - 1)
    return tuple(
        _figure(demo.person.telegram_id, pose, slimming, f"Week {week + 1} · {pose}")
        for pose in POSES
    )


def _figure(seed: int, pose: str, slimming: float, label: str) -> bytes:
    rng = random.Random(seed)
    width, height = 600, 800
    image = Image.new("RGB", (width, height), (232, 226, 214))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 640, width, height), fill=(196, 180, 156))  # floor
    draw.rectangle((40, 40, 200, 420), fill=(214, 206, 192))  # a door behind
    skin = (224, 172, 140) if seed % 2 else (176, 124, 96)
    cloth = (rng.randrange(40, 90), rng.randrange(80, 140), rng.randrange(140, 200))
    center = width // 2
    body = int((150 if pose != "side" else 95) * slimming)
    hips = int((135 if pose != "side" else 100) * slimming)
    draw.ellipse((center - 45, 110, center + 45, 210), fill=skin)  # head
    draw.rectangle((center - 18, 200, center + 18, 235), fill=skin)  # neck
    draw.rounded_rectangle((center - body // 2, 230, center + body // 2, 470), 40, fill=cloth)
    draw.rounded_rectangle(
        (center - hips // 2, 440, center + hips // 2, 520), 30, fill=(60, 60, 70)
    )
    for side in (-1, 1):  # legs
        x = center + side * hips // 4
        draw.rounded_rectangle((x - 24, 500, x + 24, 690), 18, fill=skin)
        if pose != "side":  # arms
            ax = center + side * (body // 2 + 18)
            draw.rounded_rectangle((ax - 16, 240, ax + 16, 450), 14, fill=skin)
    if pose == "back":
        draw.rectangle((center - 45, 110, center + 45, 175), fill=(70, 50, 40))  # hair
    draw.text((24, height - 56), label, fill=(60, 60, 60), font=ImageFont.load_default(28))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()
