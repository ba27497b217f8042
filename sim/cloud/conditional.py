"""The local Dropbox's side of remote status and configuration (issue 17).

- ETag caching of the content-download endpoints: Dropbox's HTTP documentation, "Formats",
  content-download endpoints "support HTTP GET along with ETag-based caching (If-None-Match)".
  `files/download` answers with `ETag: W/"<rev>"`, and with 304 Not Modified (no body) when the
  request's If-None-Match names the file's current ETag. `conditional(request, reply)` is the
  hook that the Dropbox routes (sim/cloud/dropbox.py) apply to every Dropbox route's reply.
- `place(cloud, path, data)`: a file put into the local Dropbox as a user's upload (mode
  overwrite) would, for `python -m sim run --remote-config PATH@DAY`.
- `RemoteConfigs`: those placements during a run, and when the camera fetched, accepted or
  rejected and applied each (from its console), for the run's report.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.cloud.server import Reply, Request
from sim.device import iso

if TYPE_CHECKING:
    from sim.cloud import LocalDropbox

DOWNLOAD_ROUTES = ("/2/files/download",)


def etag(rev: str) -> str:
    """The ETag Dropbox gives a file's content: its rev as a weak validator."""
    return f'W/"{rev}"'


def conditional(request: Request, reply: Reply) -> Reply:
    """A download's reply with its ETag, or 304 when If-None-Match names that ETag."""
    if request.path not in DOWNLOAD_ROUTES or reply.status != 200:
        return reply
    meta = json.loads(reply.headers["Dropbox-API-Result"])
    tag = etag(meta["rev"])
    wanted = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
    headers = dict(reply.headers, ETag=tag)
    if tag in wanted or "*" in wanted:
        return Reply(304, b"", reply.content_type, {"ETag": tag})
    return Reply(reply.status, reply.body, reply.content_type, headers)


def place(cloud: LocalDropbox, path: str, data: bytes) -> dict:
    """Store `data` at `path` as an upload in overwrite mode does; returns its metadata."""
    with cloud.lock:
        entry = cloud._commit({"path": path, "mode": "overwrite"}, data, "files/upload")
    return {key: value for key, value in entry.items() if key != "seq"}


def parse_placement(text: str) -> tuple[Path, float]:
    """ "PATH@DAY" -> (path, day); DAY counts from the start of the run (may be fractional)."""
    path, at, day = text.rpartition("@")
    if not at or not path:
        raise ValueError(f"--remote-config {text!r}: expected PATH@DAY")
    return Path(path), float(day)


@dataclass
class Placement:
    source: Path
    day: float
    placed: str | None = None  # virtual UTC (ISO) it was put into the camera's folder
    rev: str | None = None


def camera_folder(config_path: Path) -> str:
    """The camera's Dropbox folder by the firmware's own rule, from the installed camconfig.toml."""
    from tools import firmware as manifest

    modules = manifest.modules()
    try:
        cfg = modules.config.load(config_path.read_text())
    except ValueError:
        cfg = modules.config.load("")
    return modules.remote.camera_folder(cfg["upload"]["path"], cfg["camera"]["id"])


@dataclass
class RemoteConfigs:
    """The --remote-config files of a run, placed into the camera's folder on their day."""

    cloud: LocalDropbox
    folder: str  # the camera's Dropbox folder (timelapse/remote.py)
    start: float
    placements: list[Placement] = field(default_factory=list)

    def before_wake(self, now: float) -> None:
        for placement in self.placements:
            if placement.placed is None and now >= self.start + placement.day * 86400:
                meta = place(self.cloud, self.folder + "/camconfig.toml", placement.source.read_bytes())
                placement.placed = iso(now)
                placement.rev = meta["rev"]

    def report(self, console: Path) -> list[dict[str, Any]]:
        """For each placement: when the camera fetched it, whether it accepted it (or the
        error it recorded), and the wake from which it is in force."""
        wakes = console_wakes(console)
        rows = []
        for placement in self.placements:
            row: dict[str, Any] = {
                "file": str(placement.source),
                "day": placement.day,
                "placed": placement.placed,
                "fetched": None,
                "accepted": None,
                "error": None,
                "applied": None,
            }
            if placement.placed is not None:
                for index, (when, lines) in enumerate(wakes):
                    if when < placement.placed:
                        continue
                    verdict = fetch_verdict(lines, placement.rev or "")
                    if verdict is None:
                        continue
                    row["fetched"] = when
                    row["accepted"] = verdict == ""
                    row["error"] = verdict or None
                    if verdict == "" and index + 1 < len(wakes):
                        row["applied"] = wakes[index + 1][0]
                    break
            rows.append(row)
        return rows

    def changes(self, rows: list[dict[str, Any]]) -> list[tuple[float, str]]:
        """(true UTC at the end of the wake that fetched it, its text) of each accepted
        placement (the console's wake headers carry the wake's end)."""
        found = []
        for placement, row in zip(self.placements, rows, strict=True):
            if row["accepted"]:
                fetched = datetime.fromisoformat(row["fetched"].replace("Z", "+00:00")).timestamp()
                found.append((fetched, placement.source.read_text()))
        return found


WAKE = re.compile(r"^--- wake \d+ at (\S+) ")


def console_wakes(console: Path) -> list[tuple[str, list[str]]]:
    """The console log as (virtual UTC at the end of the wake, its lines)."""
    wakes: list[tuple[str, list[str]]] = []
    for line in console.read_text().splitlines():
        match = WAKE.match(line)
        if match:
            wakes.append((match.group(1), []))
        elif wakes:
            wakes[-1][1].append(line)
    return wakes


def fetch_verdict(lines: list[str], rev: str) -> str | None:
    """ "" when the wake accepted the remote config of `rev`, the error when it rejected a remote
    camconfig.toml, None when it fetched none."""
    for line in lines:
        if line.startswith("config: ") and "from Dropbox accepted" in line and rev in line:
            return ""
        if line.startswith("[error] config: Dropbox "):
            return line.split(": ", 1)[1]
    return None
