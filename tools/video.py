"""The film: `python -m tools.video SOURCE -o timelapse.mp4 [--fps 24] [--overlay] [--deflicker]`.

SOURCE is a card (or its timelapse/ folder), a CIRCUITPY drive, a simulator run's --out folder
(the photos on its card, device/sd/timelapse/), any folder of the camera's photos, or the
camera's Dropbox folder as `dropbox:/timelapse/CAM1` (official SDK, settings.toml as the camera).
Frames are put in capture order from the file names, never from file times: by the sequence
number the camera counts up at every photo and never repeats (the local time in a name repeats
an hour when daylight saving time ends, and is missing while the clock is not set). The time in
the name selects (--from/--to) and is drawn (--overlay). The film is H.264 (libx264, yuv420p)
in MP4, encoded by PyAV (FFmpeg's libraries).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont, ImageStat, UnidentifiedImageError
from tqdm import tqdm

# The firmware's names (timelapse/spool.py): ID_SEQ_YYYYMMDDTHHMMSS.jpg, or ID_SEQ.jpg while the
# clock is not set; Dropbox adds " (1)" to a name it renamed after a conflict.
NAME = re.compile(
    r"^(?P<camera>.+)_(?P<seq>\d{6,})(?:_(?P<stamp>\d{8}T\d{6}))?(?: \((?P<copy>\d+)\))?\.jpg$", re.IGNORECASE
)
DROPBOX_PREFIX = "dropbox:"
CODEC: Final = "libx264"
DEFLICKER_WINDOW = 9  # frames in the rolling mean the brightness is pulled towards
MAX_GAIN = 2.0  # deflicker never brightens or darkens a frame more than this


class UnreadablePhoto(Exception):
    """A file named like a photo that Pillow cannot decode."""


@dataclass(frozen=True)
class Photo:
    camera: str
    seq: int
    taken: datetime | None  # local time from the name, None while the camera's clock was not set
    copy: int  # Dropbox's " (n)" suffix, 0 for none
    where: str  # a local path, or a Dropbox path

    @property
    def order(self) -> tuple[str, int, int, str]:
        """Capture order; also what tells two photos apart (the same name in two folders is one)."""
        return self.camera, self.seq, self.copy, self.taken.isoformat() if self.taken else ""


def parse_name(name: str, where: str) -> Photo | None:
    """The photo a file name describes, or None when it is not one of the camera's photos."""
    match = NAME.match(name)
    if not match:
        return None
    stamp = match["stamp"]
    try:
        taken = datetime.strptime(stamp, "%Y%m%dT%H%M%S") if stamp else None
    except ValueError:
        return None
    return Photo(match["camera"], int(match["seq"]), taken, int(match["copy"] or 0), where)


def photo_folder(source: Path) -> Path:
    """Where the photos are in a simulator run, a CIRCUITPY drive or a card; else `source`."""
    for inner in ("device/sd/timelapse", "sd/timelapse", "timelapse"):
        if (source / inner).is_dir():
            return source / inner
    return source


def local_photos(source: Path) -> list[Photo]:
    if not source.is_dir():
        raise SystemExit(f"{source}: no such folder")
    found = []
    for folder, _, names in os.walk(photo_folder(source)):
        for name in names:
            photo = parse_name(name, str(Path(folder) / name))
            if photo:
                found.append(photo)
    return found


def dropbox_photos(client, path: str) -> list[Photo]:  # client: dropbox.Dropbox
    from tools import dbx

    found = []
    for entry in dbx.walk(client, path):
        photo = parse_name(entry.name, entry.path_lower)
        if photo:
            found.append(photo)
    return found


def parse_when(text: str, end: bool) -> datetime:
    """--from/--to: a date (the whole day) or a date and time, local time as in the names."""
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d")
            return day + timedelta(days=1, microseconds=-1) if end else day
        return datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        raise SystemExit(f"{text!r}: not a date (2026-06-01) or date and time (2026-06-01T12:00)") from None


def select(
    photos: list[Photo], camera: str | None, start: datetime | None, stop: datetime | None
) -> list[Photo]:
    """One camera's photos in capture order, within [start, stop]; one copy of each name."""
    cameras = sorted({photo.camera for photo in photos})
    if camera:
        if camera not in cameras:
            raise SystemExit(
                f"no photos of {camera}; there are photos of {', '.join(cameras) or 'no camera'}"
            )
        photos = [photo for photo in photos if photo.camera == camera]
    elif len(cameras) > 1:
        raise SystemExit(f"photos of {len(cameras)} cameras ({', '.join(cameras)}): choose one with --camera")
    unique: dict[tuple[str, int, int, str], Photo] = {}
    for photo in sorted(photos, key=lambda p: p.where):
        unique.setdefault(photo.order, photo)  # the same photo in two folders: once
    chosen = []
    for photo in unique.values():
        if start or stop:
            if photo.taken is None or (start and photo.taken < start) or (stop and photo.taken > stop):
                continue
        chosen.append(photo)
    return sorted(chosen, key=lambda photo: photo.order)


def download(client, photos: list[Photo], folder: Path, quiet: bool) -> list[Photo]:
    """The photos fetched from Dropbox into `folder`, as local photos; one that Dropbox cannot
    give (deleted meanwhile) is warned about and left out, like an unreadable one."""
    from dropbox import exceptions

    local = []
    for index, photo in enumerate(tqdm(photos, desc="download", unit="photo", disable=quiet)):
        target = folder / f"{index:07d}.jpg"
        try:
            client.files_download_to_file(str(target), photo.where)
        except exceptions.ApiError as problem:
            tqdm.write(f"warning: skipped {photo.where}: {problem.error}", file=sys.stderr)
            continue
        local.append(Photo(photo.camera, photo.seq, photo.taken, photo.copy, str(target)))
    return local


def load(photo: Photo) -> Image.Image:
    """The photo decoded in RGB; UnreadablePhoto when it cannot be (truncated, not a JPEG)."""
    try:
        with Image.open(io.BytesIO(Path(photo.where).read_bytes())) as image:
            image.load()
            return image.convert("RGB")
    except (
        OSError,
        SyntaxError,
        ValueError,
        UnidentifiedImageError,
        Image.DecompressionBombError,
    ) as problem:
        raise UnreadablePhoto(f"{photo.where}: {problem}") from None


def brightness(image: Image.Image) -> float:
    """Mean luma, 0-255."""
    return float(ImageStat.Stat(image.convert("L")).mean[0])


def deflicker_gains(levels: list[float], window: int = DEFLICKER_WINDOW) -> list[float]:
    """Per-frame gains that bring each frame's brightness to the mean of the `window` frames
    around it: slow changes (dawn, dusk) stay, jumps between neighbours go."""
    half = window // 2
    gains = []
    for index, level in enumerate(levels):
        around = levels[max(0, index - half) : index + half + 1]
        target = sum(around) / len(around)
        gain = target / level if level >= 1.0 else 1.0
        gains.append(min(MAX_GAIN, max(1.0 / MAX_GAIN, gain)))
    return gains


def apply_gain(image: Image.Image, gain: float) -> Image.Image:
    if abs(gain - 1.0) < 1e-3:
        return image
    table = [min(255, round(level * gain)) for level in range(256)]
    return image.point(table * 3)


def draw_time(image: Image.Image, photo: Photo) -> None:
    """The capture time (or the sequence number, when the clock was not set) at the bottom left."""
    text = photo.taken.strftime("%Y-%m-%d %H:%M") if photo.taken else f"#{photo.seq}"
    size = max(12, image.height // 22)
    font = ImageFont.load_default(size=size)
    margin = size // 2
    ImageDraw.Draw(image).text(
        (margin, image.height - margin),
        text,
        font=font,
        anchor="ld",
        fill=(255, 255, 255),
        stroke_width=max(1, size // 12),
        stroke_fill=(0, 0, 0),
    )


@dataclass
class Film:
    """What was made: frame count, the skipped photos with the reason, size, fps, seconds taken."""

    frames: int
    skipped: list[str]
    width: int
    height: int
    fps: Fraction
    seconds: float


def readable(photos: list[Photo], skipped: list[str], quiet: bool) -> Iterator[tuple[Photo, Image.Image]]:
    """The photos that decode, in order; each one that does not is said on stderr, noted in
    `skipped` and left out: one bad file never costs the film."""
    for photo in tqdm(photos, desc="encode", unit="frame", disable=quiet):
        try:
            yield photo, load(photo)
        except UnreadablePhoto as problem:
            skipped.append(str(problem))
            tqdm.write(f"warning: skipped unreadable photo {problem}", file=sys.stderr)


def encode(
    photos: list[Photo],
    output: Path,
    fps: float = 24.0,
    overlay: bool = False,
    deflicker: bool = False,
    crf: int = 20,
    quiet: bool = False,
) -> Film:
    """The film of `photos` (in that order) in `output`: H.264 in MP4."""
    import av

    began = time.perf_counter()
    skipped: list[str] = []
    gains: dict[Photo, float] = {}
    if deflicker:
        levels = {}
        for photo in tqdm(photos, desc="measure", unit="frame", disable=quiet):
            try:
                levels[photo] = brightness(load(photo))
            except UnreadablePhoto:
                pass  # said once, when the frame is skipped below
        gains = dict(zip(levels, deflicker_gains(list(levels.values())), strict=True))
    rate = Fraction(fps).limit_denominator(1001)
    frames = 0
    size: tuple[int, int] | None = None
    with av.open(str(output), "w", format="mp4") as container:
        stream = container.add_stream(CODEC, rate=rate)
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": "medium"}
        for photo, image in readable(photos, skipped, quiet):
            if size is None:
                # yuv420p halves the chroma planes: even sides.
                size = (image.width // 2 * 2, image.height // 2 * 2)
                stream.width, stream.height = size
            if image.size != size:
                image = image.resize(size, Image.Resampling.LANCZOS)
            if deflicker:
                image = apply_gain(image, gains.get(photo, 1.0))
            if overlay:
                draw_time(image, photo)
            frame = av.VideoFrame.from_image(image)
            frame.pts = frames
            frame.time_base = 1 / rate
            container.mux(stream.encode(frame))
            frames += 1
        if frames:
            container.mux(stream.encode(None))
    if not frames:
        output.unlink(missing_ok=True)
        raise SystemExit(f"none of the {len(photos)} photos could be read: no film")
    assert size is not None
    return Film(frames, skipped, size[0], size[1], rate, time.perf_counter() - began)


def main(argv: list[str] | None = None) -> int:
    from tools import dbx

    parser = argparse.ArgumentParser(prog="python -m tools.video", description=__doc__.split("\n")[0])
    parser.add_argument(
        "source",
        help="a card, a CIRCUITPY drive, a simulator run's --out folder, a "
        "folder of photos, or dropbox:/timelapse/CAM1",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("timelapse.mp4"),
        help="the MP4 to write (default timelapse.mp4)",
    )
    parser.add_argument("--fps", type=float, default=24.0, help="frames per second (default 24)")
    parser.add_argument(
        "--from",
        dest="start",
        metavar="WHEN",
        help="first capture time, local: 2026-06-01 or 2026-06-01T06:00",
    )
    parser.add_argument(
        "--to", dest="stop", metavar="WHEN", help="last capture time (a date: that whole day)"
    )
    parser.add_argument("--camera", help="the camera id, when SOURCE holds photos of several")
    parser.add_argument("--overlay", action="store_true", help="draw the capture date and time on each frame")
    parser.add_argument(
        "--deflicker",
        action="store_true",
        help="pull each frame's brightness towards the mean of its neighbours",
    )
    parser.add_argument("--crf", type=int, default=20, help="x264 quality, lower is better (default 20)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    dbx.add_arguments(parser)
    options = parser.parse_args(argv)
    if not 0 < options.fps <= 240:
        raise SystemExit(f"--fps {options.fps:g}: give 0 < fps <= 240")
    start = parse_when(options.start, end=False) if options.start else None
    stop = parse_when(options.stop, end=True) if options.stop else None
    window = " between %s and %s" % (start or "the first", stop or "the last") if start or stop else ""

    with tempfile.TemporaryDirectory(prefix="tools-video-") as scratch:
        if options.source.startswith(DROPBOX_PREFIX):
            path = options.source[len(DROPBOX_PREFIX) :].rstrip("/")
            try:
                with dbx.connect(options) as client:
                    photos = select(dropbox_photos(client, path), options.camera, start, stop)
                    if not photos:
                        raise SystemExit(f"no photos in {options.source}{window}")
                    photos = download(client, photos, Path(scratch), options.quiet)
            except SystemExit:
                raise
            except Exception as problem:  # the SDK's failures, said in one line
                raise SystemExit(f"tools.video: {dbx.describe(problem)}") from None
        else:
            photos = select(local_photos(Path(options.source)), options.camera, start, stop)
            if not photos:
                raise SystemExit(f"no photos in {options.source}{window}")
        film = encode(
            photos,
            options.output,
            options.fps,
            options.overlay,
            options.deflicker,
            options.crf,
            options.quiet,
        )
    print(
        f"{options.output}: {film.frames} frames of {len(photos)} photos ({len(film.skipped)} unreadable, "
        f"skipped), {film.width}x{film.height}, {float(film.fps):g} fps, {float(film.frames / film.fps):.1f} s; "
        f"encoded in {film.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
