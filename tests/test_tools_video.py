"""tools.video, the film: JPEGs whose brightness encodes their place in time, with file times
shuffled, turned into an MP4 and decoded again with PyAV; and a simulator run's own photos."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import av
import pytest
from PIL import Image

from sim.cloud import LocalDropbox
from sim.runner import LOCAL_DROPBOX
from tools import dbx, video

ROOT = Path(__file__).resolve().parent.parent
FIRST = datetime(2026, 6, 1, 6, 0, 0)  # local time of the first photo
STEP = timedelta(minutes=10)
BASE, GAIN = 10, 9  # photo i is grey level BASE + GAIN * i


def name(seq: int, taken: datetime | None, camera: str = "CAM1") -> str:
    """The firmware's file name (timelapse/spool.py), written out here independently."""
    stamp = "_" + taken.strftime("%Y%m%dT%H%M%S") if taken else ""
    return f"{camera}_{seq:06d}{stamp}.jpg"


def make_card(
    root: Path,
    levels: list[int],
    first_seq: int = 990,
    camera: str = "CAM1",
    sizes: dict[int, tuple[int, int]] | None = None,
) -> list[Path]:
    """A card: photo i (seq first_seq + i, taken FIRST + i * STEP) is flat grey levels[i], in the
    card's NNN folders; file times shuffled so that mtime order is not capture order."""
    paths = []
    for i, level in enumerate(levels):
        seq = first_seq + i
        folder = root / "timelapse" / f"{seq // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name(seq, FIRST + i * STEP, camera)
        size = (sizes or {}).get(i, (160, 120))
        Image.new("RGB", size, (level, level, level)).save(path, quality=95)
        paths.append(path)
    times = list(range(len(paths)))
    random.Random(7).shuffle(times)
    for path, t in zip(paths, times, strict=True):
        os.utime(path, (1_780_000_000 + t * 60, 1_780_000_000 + t * 60))
    return paths


def decoded(path: Path) -> dict:
    """What a player sees: frame count, size, rate, duration and each frame's mean brightness."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        levels = [float(frame.to_ndarray(format="gray").mean()) for frame in container.decode(stream)]
        return {
            "frames": len(levels),
            "size": (stream.width, stream.height),
            "rate": stream.average_rate,
            "codec": stream.codec_context.name,
            "levels": levels,
            "seconds": float(container.duration or 0) / av.time_base,
        }


def index_of(level: float) -> int:
    return round((level - BASE) / GAIN)


def film(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert video.main([*argv, "--quiet"]) == 0
    return capsys.readouterr().out


def test_frames_follow_capture_order_not_file_times(tmp_path: Path, capsys) -> None:
    paths = make_card(tmp_path / "card", [BASE + GAIN * i for i in range(24)])
    by_mtime = sorted(paths, key=lambda p: p.stat().st_mtime)
    assert by_mtime != paths  # the oracle: mtimes disagree with capture order
    out = film(capsys, str(tmp_path / "card"), "-o", str(tmp_path / "t.mp4"), "--fps", "12")
    got = decoded(tmp_path / "t.mp4")
    assert got["codec"] == "h264"
    assert got["frames"] == 24 and got["size"] == (160, 120) and got["rate"] == 12
    assert got["seconds"] == pytest.approx(2.0, abs=0.1)
    assert [index_of(level) for level in got["levels"]] == list(range(24))
    assert "24 frames of 24 photos" in out


def test_sizes_follow_the_first_readable_photo(tmp_path: Path, capsys) -> None:
    # The first photo is odd-sized (H.264 4:2:0 needs even sides), the third larger.
    make_card(
        tmp_path / "card",
        [BASE + GAIN * i for i in range(6)],
        sizes={0: (201, 151), 2: (640, 480), 4: (100, 50)},
    )
    film(capsys, str(tmp_path / "card"), "-o", str(tmp_path / "t.mp4"))
    got = decoded(tmp_path / "t.mp4")
    assert got["size"] == (200, 150) and got["frames"] == 6
    assert [index_of(level) for level in got["levels"]] == list(range(6))


def test_from_and_to_select_by_the_time_in_the_name(tmp_path: Path, capsys) -> None:
    # 300 photos 10 minutes apart: 2026-06-01 06:00 to 2026-06-03 07:50.
    make_card(tmp_path / "card", [BASE + (i % 24) * GAIN for i in range(300)], first_seq=1)
    film(
        capsys,
        str(tmp_path / "card"),
        "-o",
        str(tmp_path / "day.mp4"),
        "--from",
        "2026-06-02",
        "--to",
        "2026-06-02",
    )
    assert decoded(tmp_path / "day.mp4")["frames"] == 144  # a whole day, both ends included
    film(
        capsys,
        str(tmp_path / "card"),
        "-o",
        str(tmp_path / "hour.mp4"),
        "--from",
        "2026-06-01T07:00",
        "--to",
        "2026-06-01T08:00",
    )
    got = decoded(tmp_path / "hour.mp4")
    assert [index_of(level) for level in got["levels"]] == [6, 7, 8, 9, 10, 11, 12]
    with pytest.raises(SystemExit, match="no photos in .* between 2026-07-01 00:00:00 and the last"):
        video.main([str(tmp_path / "card"), "-o", str(tmp_path / "none.mp4"), "--from", "2026-07-01"])
    assert not (tmp_path / "none.mp4").exists()


def test_deflicker_removes_exposure_jumps_and_keeps_the_trend(tmp_path: Path, capsys) -> None:
    # A slow brightening with every third frame 50 levels too bright (an exposure jump).
    levels = [80 + 2 * i + (50 if i % 3 == 0 else 0) for i in range(30)]
    make_card(tmp_path / "card", levels)
    film(capsys, str(tmp_path / "card"), "-o", str(tmp_path / "raw.mp4"))
    film(capsys, str(tmp_path / "card"), "-o", str(tmp_path / "smooth.mp4"), "--deflicker")
    raw, smooth = decoded(tmp_path / "raw.mp4")["levels"], decoded(tmp_path / "smooth.mp4")["levels"]

    def jumps(series: list[float]) -> float:
        return sum(abs(b - a) for a, b in zip(series, series[1:], strict=False)) / (len(series) - 1)

    assert jumps(raw) > 25
    assert jumps(smooth) < jumps(raw) / 3
    middle = slice(5, 25)  # away from the ends, where the window is cut short
    assert smooth[middle][-1] - smooth[middle][0] == pytest.approx(2 * 19, abs=8)


def test_overlay_draws_on_the_frame(tmp_path: Path, capsys) -> None:
    make_card(tmp_path / "card", [60] * 3, sizes={i: (320, 240) for i in range(3)})
    film(capsys, str(tmp_path / "card"), "-o", str(tmp_path / "plain.mp4"))
    film(capsys, str(tmp_path / "card"), "-o", str(tmp_path / "stamped.mp4"), "--overlay")
    with av.open(str(tmp_path / "stamped.mp4")) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="gray")
    assert frame[-40:, :160].max() > 200 and frame[:120, :].max() < 80  # white text, bottom left only
    assert decoded(tmp_path / "plain.mp4")["levels"][0] == pytest.approx(60, abs=2)


def test_an_unreadable_photo_is_skipped_with_a_warning(tmp_path: Path, capsys) -> None:
    paths = make_card(tmp_path / "card", [BASE + GAIN * i for i in range(8)])
    paths[3].write_bytes(paths[3].read_bytes()[:200])  # truncated
    paths[5].write_bytes(b"this is not a JPEG")
    assert video.main([str(tmp_path / "card"), "-o", str(tmp_path / "t.mp4"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("warning: skipped unreadable photo") == 2
    assert paths[3].name in captured.err and paths[5].name in captured.err
    assert "6 frames of 8 photos (2 unreadable, skipped)" in captured.out
    assert [index_of(level) for level in decoded(tmp_path / "t.mp4")["levels"]] == [0, 1, 2, 4, 6, 7]
    # The deflicker's measuring pass meets them first: still one warning each, the same frames.
    assert video.main([str(tmp_path / "card"), "-o", str(tmp_path / "d.mp4"), "--quiet", "--deflicker"]) == 0
    assert capsys.readouterr().err.count("warning: skipped unreadable photo") == 2
    assert decoded(tmp_path / "d.mp4")["frames"] == 6


def test_nothing_to_film_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit, match="no photos in"):
        video.main([str(tmp_path / "empty"), "-o", str(tmp_path / "t.mp4"), "--quiet"])
    card = tmp_path / "card" / "timelapse" / "000"
    card.mkdir(parents=True)
    (card / name(1, FIRST)).write_bytes(b"garbage")
    with pytest.raises(SystemExit, match="none of the 1 photos could be read"):
        video.main([str(tmp_path / "card"), "-o", str(tmp_path / "t.mp4"), "--quiet"])
    assert not (tmp_path / "t.mp4").exists()
    with pytest.raises(SystemExit, match="no such folder"):
        video.main([str(tmp_path / "missing"), "--quiet"])


def test_several_cameras_need_a_choice(tmp_path: Path, capsys) -> None:
    make_card(tmp_path / "card", [BASE + GAIN * i for i in range(4)], camera="CAM1")
    make_card(tmp_path / "card", [BASE + GAIN * (10 + i) for i in range(5)], camera="CAM_2")
    with pytest.raises(SystemExit, match=r"2 cameras \(CAM1, CAM_2\): choose one with --camera"):
        video.main([str(tmp_path / "card"), "-o", str(tmp_path / "t.mp4"), "--quiet"])
    with pytest.raises(SystemExit, match="no photos of CAM9; there are photos of CAM1, CAM_2"):
        video.main([str(tmp_path / "card"), "-o", str(tmp_path / "t.mp4"), "--quiet", "--camera", "CAM9"])
    film(capsys, str(tmp_path / "card"), "-o", str(tmp_path / "t.mp4"), "--camera", "CAM_2")
    assert [index_of(level) for level in decoded(tmp_path / "t.mp4")["levels"]] == [10, 11, 12, 13, 14]


def test_names_are_read_as_the_firmware_writes_them() -> None:
    photo = video.parse_name("CAM_A_001234_20260601T061000.jpg", "x")
    assert photo and (photo.camera, photo.seq, photo.taken, photo.copy) == (
        "CAM_A",
        1234,
        datetime(2026, 6, 1, 6, 10),
        0,
    )
    unset = video.parse_name("CAM1_000007.jpg", "x")
    assert unset and (unset.camera, unset.seq, unset.taken) == ("CAM1", 7, None)
    renamed = video.parse_name("CAM1_000007_20260601T061000 (1).jpg", "x")
    assert renamed and renamed.copy == 1
    for other in (
        "state0.bin",
        "CAM1_000007.jpg.tmp",
        "CAM1_07.jpg",
        "holiday.jpg",
        "CAM1_000007_20261301T000000.jpg",
    ):
        assert video.parse_name(other, "x") is None


def test_photos_before_the_clock_was_set_keep_their_place(tmp_path: Path, capsys) -> None:
    """After a power loss the camera names photos without a time until it syncs; the sequence
    number still puts them where they were taken."""
    folder = tmp_path / "card" / "timelapse" / "000"
    folder.mkdir(parents=True)
    for i, taken in enumerate([FIRST, FIRST + STEP, None, None, FIRST + 5 * STEP]):
        Image.new("RGB", (64, 48), (BASE + GAIN * i,) * 3).save(folder / name(100 + i, taken))
    film(capsys, str(tmp_path / "card"), "-o", str(tmp_path / "t.mp4"))
    assert [index_of(level) for level in decoded(tmp_path / "t.mp4")["levels"]] == [0, 1, 2, 3, 4]


def test_from_the_cameras_dropbox_folder(tmp_path: Path, capsys) -> None:
    paths = make_card(tmp_path / "card", [BASE + GAIN * i for i in range(12)])
    with LocalDropbox(tmp_path / "cloud") as cloud:
        ca = cloud.folder / "ca.pem"
        uploader = dbx.client(LOCAL_DROPBOX, f"localhost:{cloud.https_port}", ca)
        for path in random.Random(3).sample(paths, len(paths)):  # uploaded out of order
            day = path.name.split("_")[2][:8]
            uploader.files_upload(
                path.read_bytes(), f"/timelapse/CAM1/{day[:4]}-{day[4:6]}-{day[6:]}/{path.name}"
            )
        uploader.files_upload(b"{}", "/timelapse/CAM1/status.json")
        out = film(
            capsys,
            "dropbox:/timelapse/CAM1",
            "-o",
            str(tmp_path / "t.mp4"),
            "--local",
            f"localhost:{cloud.https_port}",
            "--local-ca",
            str(ca),
            "--settings",
            str(tmp_path / "none"),
            "--to",
            "2026-06-01T07:30",
        )
    assert [index_of(level) for level in decoded(tmp_path / "t.mp4")["levels"]] == list(range(10))
    assert "10 frames of 10 photos" in out


def simulated(days: int, out: Path) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            "--days",
            str(days),
            "--quiet",
            "--no-preview",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads((out / "report.json").read_text())


def check_simulated_film(out: Path, report: dict, tmp_path: Path) -> None:
    on_card = sorted((out / "device" / "sd" / "timelapse").rglob("*.jpg"))
    assert len(on_card) == report["captures"] > 0
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.video",
            str(out),
            "-o",
            str(tmp_path / "sim.mp4"),
            "--overlay",
            "--deflicker",
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    got = decoded(tmp_path / "sim.mp4")
    with Image.open(on_card[0]) as first:
        assert got["size"] == first.size
    assert got["frames"] == len(on_card)
    assert f"{len(on_card)} frames of {len(on_card)} photos (0 unreadable" in done.stdout


def test_a_simulated_day_becomes_a_film(tmp_path: Path) -> None:
    out = tmp_path / "run"
    check_simulated_film(out, simulated(1, out), tmp_path)


@pytest.mark.slow
def test_a_simulated_week_becomes_a_film(tmp_path: Path) -> None:
    out = tmp_path / "run"
    check_simulated_film(out, simulated(7, out), tmp_path)


def test_a_photo_gone_from_dropbox_is_skipped(tmp_path: Path, capsys, monkeypatch) -> None:
    """Deleted between the listing and its download: a warning, and the film without it."""
    paths = make_card(tmp_path / "card", [BASE + GAIN * i for i in range(4)])
    listed = video.dropbox_photos

    def listing_with_a_ghost(client, path: str) -> list[video.Photo]:
        ghost = video.Photo("CAM1", 991, FIRST + STEP, 1, "/timelapse/cam1/gone (1).jpg")
        return [*listed(client, path), ghost]

    monkeypatch.setattr(video, "dropbox_photos", listing_with_a_ghost)
    with LocalDropbox(tmp_path / "cloud") as cloud:
        ca = cloud.folder / "ca.pem"
        uploader = dbx.client(LOCAL_DROPBOX, f"localhost:{cloud.https_port}", ca)
        for path in paths:
            uploader.files_upload(path.read_bytes(), f"/timelapse/CAM1/{path.name}")
        assert (
            video.main(
                [
                    "dropbox:/timelapse/CAM1",
                    "-o",
                    str(tmp_path / "t.mp4"),
                    "--quiet",
                    "--local",
                    f"localhost:{cloud.https_port}",
                    "--local-ca",
                    str(ca),
                    "--settings",
                    str(tmp_path / "none"),
                ]
            )
            == 0
        )
    captured = capsys.readouterr()
    assert "warning: skipped /timelapse/cam1/gone (1).jpg" in captured.err
    assert [index_of(level) for level in decoded(tmp_path / "t.mp4")["levels"]] == [0, 1, 2, 3]
