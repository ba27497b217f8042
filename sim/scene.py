"""Real JPEG bytes of a synthetic scene lit by the sun, as the OV2640 would deliver them.

A fixed landscape (sky, hills, a shed, a tree) is rendered once per frame size; each frame scales
its light with the sun's elevation at the camera's place and time (astral), tints it towards
dusk, stamps the true time in a corner, and is encoded with Pillow at the JPEG quality
the firmware asked for (espcamera: 2 = best .. 63 = worst).
"""

from __future__ import annotations

import io
import random
import threading
from datetime import UTC, datetime
from functools import lru_cache

import numpy
from astral import Observer
from astral.sun import zenith_and_azimuth
from PIL import Image, ImageDraw, ImageFilter, ImageFont

# Pillow loads its JPEG plugin (which imports subprocess, and with it errno.ECHILD) at the first
# save. That must happen here on the host, not inside a wake: there `errno` is the board's
# module (sim/loader.py), which has no ECHILD.
Image.init()

# ImageDraw's default font, loaded once: Draw.text without a font builds a new FreeType face
# from the embedded Aileron for every frame, which costs as much as rendering the stamp.
_FONT = ImageFont.load_default()
# The stamp's origin is this far above the bottom edge; every glyph of the default font lies
# within the 12 rows below the origin, so the band of twice that holds all the stamp draws.
_STAMP_ROWS = 12

FRAME_SIZES = {
    "R96X96": (96, 96),
    "QQVGA": (160, 120),
    "R128X128": (128, 128),
    "QCIF": (176, 144),
    "HQVGA": (240, 176),
    "R240X240": (240, 240),
    "QVGA": (320, 240),
    "R320X320": (320, 320),
    "CIF": (400, 296),
    "HVGA": (480, 320),
    "VGA": (640, 480),
    "SVGA": (800, 600),
    "XGA": (1024, 768),
    "HD": (1280, 720),
    "SXGA": (1280, 1024),
    "UXGA": (1600, 1200),
}


def pillow_quality(esp_quality: int) -> int:
    """esp32-camera's 2..63 (lower is better) to libjpeg's 1..95 (higher is better)."""
    return max(5, min(95, round(100 - 1.5 * esp_quality)))


@lru_cache(maxsize=8)
def _landscape(size: tuple[int, int]) -> Image.Image:
    w, h = size
    horizon = int(h * 0.55)
    sky = Image.linear_gradient("L").resize((w, horizon))
    sky_rgb = Image.merge(
        "RGB",
        (
            sky.point(lambda v: 90 + v // 3),
            sky.point(lambda v: 140 + v // 4),
            Image.new("L", (w, horizon), 235),
        ),
    )
    image = Image.new("RGB", (w, h), (70, 110, 50))
    image.paste(sky_rgb, (0, 0))
    draw = ImageDraw.Draw(image)
    rng = random.Random(w * 7919 + h)
    hill = (
        [(0, horizon)]
        + [(x, horizon - int(h * 0.08 * (1 + rng.random()))) for x in range(0, w + 1, max(1, w // 12))]
        + [(w, horizon), (w, h), (0, h)]
    )
    draw.polygon(hill, fill=(60, 100, 45))
    draw.rectangle((int(w * 0.15), int(h * 0.45), int(w * 0.35), int(h * 0.70)), fill=(120, 80, 60))
    draw.polygon(
        [(int(w * 0.13), int(h * 0.45)), (int(w * 0.25), int(h * 0.33)), (int(w * 0.37), int(h * 0.45))],
        fill=(90, 40, 35),
    )
    draw.rectangle((int(w * 0.72), int(h * 0.40), int(w * 0.74), int(h * 0.72)), fill=(80, 55, 30))
    draw.ellipse((int(w * 0.64), int(h * 0.22), int(w * 0.82), int(h * 0.48)), fill=(40, 90, 35))
    texture = Image.effect_noise((w, h), 48).filter(ImageFilter.GaussianBlur(0.6))
    return Image.blend(image, Image.merge("RGB", (texture,) * 3), 0.10)


_LEVELS = numpy.arange(256)


@lru_cache(maxsize=64)
def _table(gains: tuple[float, float, float]) -> bytes:
    """The per-channel lookup table of one light: min(255, int(v * gain)) for v in 0..255, per
    channel (numpy's float64 product and truncation are Python's, in 23 us instead of 415 us;
    bytes hash cheaply as the key of _lit)."""
    scaled = (_LEVELS * numpy.array(gains)[:, None]).astype(numpy.int64)
    return numpy.minimum(255, scaled).astype(numpy.uint8).tobytes()


@lru_cache(maxsize=16)
def _lit(size: tuple[int, int], table: bytes) -> Image.Image:
    """The landscape under one light (its exact lookup table): full daylight and the night's
    floor repeat frame after frame, and are rendered once. Shared: render_jpeg draws on it
    and puts back what it drew over."""
    return _landscape(size).point(list(table))


# Guards the shared lit landscapes while a frame is drawn on one and restored.
_drawing = threading.Lock()


@lru_cache(maxsize=8)
def _observer(latitude: float, longitude: float) -> Observer:
    return Observer(latitude, longitude)


def sun_position(when: datetime, latitude: float, longitude: float) -> tuple[float, float]:
    """(elevation, azimuth) of the sun in degrees: astral's elevation() and azimuth() in one
    computation (elevation is 90 - its refracted zenith)."""
    zenith, azimuth = zenith_and_azimuth(_observer(latitude, longitude), when)
    return 90.0 - zenith, azimuth


def render_jpeg(
    frame_size: str,
    quality: int,
    utc: float,
    latitude: float,
    longitude: float,
    rotate: int = 0,
    frame_number: int = 0,
    label: str = "",
) -> bytes:
    size = FRAME_SIZES[frame_size]
    w, h = size
    when = datetime.fromtimestamp(utc, tz=UTC)
    sun_elevation, sun_azimuth = sun_position(when, latitude, longitude)
    light = max(0.04, min(1.0, (sun_elevation + 6) / 30))
    warm = max(0.0, 1.0 - abs(sun_elevation) / 12) if sun_elevation > -6 else 0.0
    gains = (light * (1 + 0.25 * warm), light, light * (1 - 0.3 * warm))
    image = _lit(size, _table(gains))
    # The frame is drawn on the shared landscape, not on a copy (copying a frame costs a tenth
    # of its encoding): what the sun disk and the stamp draw over is saved first and put back.
    drawn = [(0, h - 2 * _STAMP_ROWS, w, h)]
    disk = None
    if sun_elevation > -0.8:
        x = int(w * ((sun_azimuth - 90) % 360) / 180)
        y = int(h * 0.55 * (1 - min(sun_elevation, 60) / 60))
        r = max(2, w // 40)
        disk = (x - r, y - r, x + r, y + r)
        drawn.append((x - r - 1, y - r - 1, x + r + 2, y + r + 2))
    # The true time in a corner, as many field cameras stamp it: every frame differs, and a
    # preview of the time-lapse shows when each photo was really taken.
    text = f"{when.strftime('%Y-%m-%d %H:%M:%S UTC')} #{frame_number} {label}"
    out = io.BytesIO()
    with _drawing:
        saved = [(box, image.crop(box)) for box in drawn]
        try:
            draw = ImageDraw.Draw(image)
            if disk is not None:
                draw.ellipse(disk, fill=(255, 250, 220))
            draw.text((4, h - _STAMP_ROWS), text, fill=(255, 255, 255), font=_FONT)
            frame = image.transpose(Image.Transpose.ROTATE_180) if rotate == 180 else image
            frame.save(out, "JPEG", quality=pillow_quality(quality))
        finally:
            for box, patch in saved:
                image.paste(patch, box)
    return out.getvalue()
