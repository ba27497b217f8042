"""The local Dropbox's file store: plain files under a folder, Dropbox metadata in memory.

The metadata is saved to `folder/.dropbox/index.json` on stop and loaded again by a new
instance; every change gets a sequence number, which list_folder cursors count on.

Speed (issue 18): a write takes the content hash its caller has already checked, writes a new
file in place (only a replaced one goes through a temporary file) and creates its folder on
disk only when the write finds it missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from datetime import UTC, datetime
from pathlib import Path

BLOCK = 4 * 1024 * 1024  # content_hash block size
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


def content_hash(data: bytes) -> str:
    """Dropbox's content hash: SHA-256 of the concatenated SHA-256 digests of 4 MiB blocks."""
    overall = hashlib.sha256()
    for start in range(0, len(data), BLOCK):
        overall.update(hashlib.sha256(data[start : start + BLOCK]).digest())
    return overall.hexdigest()


def put(target: str, data: bytes) -> None:
    """Write a file, making its folder when it is missing (most writes find it there)."""
    try:
        with open(target, "wb") as file:
            file.write(data)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as file:
            file.write(data)


class Store:
    """Files and folders with Dropbox metadata; every change gets a sequence number (cursors)."""

    def __init__(self, folder: Path, ids: random.Random):
        self.folder = folder
        self.ids = ids
        self.entries: dict[str, dict] = {}  # path_lower -> metadata (+ "seq")
        self.deleted: dict[str, dict] = {}  # path_lower -> deleted metadata (+ "seq")
        self.seq = 0
        self.used = 0
        self.index = folder / ".dropbox" / "index.json"
        if self.index.exists():
            self.load()

    # -- persistence -------------------------------------------------------------------------

    def load(self) -> None:
        saved = json.loads(self.index.read_text())
        self.seq = saved["seq"]
        for entry in saved["entries"]:
            if entry[".tag"] == "file" and not self.disk(entry["path_display"]).is_file():
                continue
            self.entries[entry["path_lower"]] = entry
            self.used += entry.get("size", 0)

    def save(self) -> None:
        self.index.parent.mkdir(parents=True, exist_ok=True)
        ordered = sorted(self.entries.values(), key=lambda e: e["seq"])
        temporary = self.index.with_suffix(".tmp")
        temporary.write_text(json.dumps({"seq": self.seq, "entries": ordered}, indent=1))
        temporary.replace(self.index)

    def disk(self, path_display: str) -> Path:
        return self.folder / path_display.lstrip("/")

    # -- metadata ----------------------------------------------------------------------------

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def new_id(self) -> str:
        choice = self.ids.choice  # the same 22 draws as ever: ids and revs stay as they were
        return "id:" + "".join([choice(ID_CHARS) for _ in range(22)])

    @staticmethod
    def public(entry: dict) -> dict:
        return {key: value for key, value in entry.items() if key != "seq"}

    def display(self, path: str) -> str:
        """The path with the case of existing parent folders (Dropbox keeps the first case)."""
        parts = path.split("/")[1:]
        shown = ""
        for part in parts[:-1]:
            existing = self.entries.get((shown + "/" + part).lower())
            shown = existing["path_display"] if existing else shown + "/" + part
        return shown + "/" + parts[-1]

    def ensure_folders(self, path_display: str) -> None:
        """Create the parent folders of a file implicitly, as an upload does (their metadata;
        `write` makes them on disk when it finds them missing)."""
        parts = path_display.split("/")[1:-1]
        for depth in range(1, len(parts) + 1):
            shown = "/" + "/".join(parts[:depth])
            lower = shown.lower()
            if lower not in self.entries:
                self.deleted.pop(lower, None)
                self.entries[lower] = {
                    ".tag": "folder",
                    "name": parts[depth - 1],
                    "path_lower": lower,
                    "path_display": shown,
                    "id": self.new_id(),
                    "seq": self.next_seq(),
                }

    def blocking(self, path: str) -> str | None:
        """Why `path` cannot hold a new file: "folder" (a folder is there), "file_ancestor"."""
        lower = path.lower()
        entry = self.entries.get(lower)
        if entry and entry[".tag"] == "folder":
            return "folder"
        parts = lower.split("/")
        for depth in range(2, len(parts)):
            parent = self.entries.get("/".join(parts[:depth]))
            if parent and parent[".tag"] == "file":
                return "file_ancestor"
        return None

    def free_name(self, path: str) -> str:
        """ "name (1).jpg", "name (2).jpg", ...: the first name that is free."""
        parent, _, name = path.rpartition("/")
        stem, dot, extension = name.rpartition(".")
        if not stem:
            stem, dot, extension = name, "", ""
        for number in range(1, 1_000_000):
            candidate = f"{parent}/{stem} ({number}){dot}{extension}"
            if candidate.lower() not in self.entries:
                return candidate
        raise RuntimeError("no free name")

    def write(
        self,
        path: str,
        data: bytes,
        client_modified: str | None,
        now: float,
        same_id: str | None,
        digest: str | None = None,
    ) -> dict:
        """Store `data` at `path`; `digest` is its content hash when the caller has it."""
        shown = self.display(path)
        self.ensure_folders(shown)
        lower = shown.lower()
        old = self.entries.get(lower)
        target = os.path.join(self.folder, shown.lstrip("/"))
        if old is None:
            put(target, data)  # nothing there to keep whole: an interrupted write has no entry
        else:
            folder, name = os.path.split(target)
            temporary = os.path.join(folder, "." + name + ".tmp")
            put(temporary, data)
            os.replace(temporary, target)
        if old:
            self.used -= old["size"]
            if old["path_display"] != shown:  # another case of the same name
                self.disk(old["path_display"]).unlink(missing_ok=True)
        self.deleted.pop(lower, None)
        seq = self.next_seq()
        server_modified = datetime.fromtimestamp(int(now), UTC).strftime(TIME_FORMAT)
        entry = {
            ".tag": "file",
            "name": shown.rsplit("/", 1)[1],
            "path_lower": lower,
            "path_display": shown,
            "id": same_id or self.new_id(),
            "client_modified": client_modified or server_modified,
            "server_modified": server_modified,
            "rev": f"{seq:09x}{self.ids.getrandbits(24):06x}",
            "size": len(data),
            "is_downloadable": True,
            "content_hash": digest or content_hash(data),
            "seq": seq,
        }
        self.entries[lower] = entry
        self.used += len(data)
        return entry

    def remove(self, lower: str) -> dict:
        """Delete a file or a folder with everything under it; returns its metadata."""
        entry = self.entries[lower]
        doomed = [key for key in self.entries if key == lower or key.startswith(lower + "/")]
        for key in sorted(doomed, reverse=True):
            gone = self.entries.pop(key)
            if gone[".tag"] == "file":
                self.used -= gone["size"]
                self.disk(gone["path_display"]).unlink(missing_ok=True)
            else:
                try:
                    self.disk(gone["path_display"]).rmdir()
                except OSError:
                    pass
            self.deleted[key] = {
                ".tag": "deleted",
                "name": gone["name"],
                "path_lower": key,
                "path_display": gone["path_display"],
                "seq": self.next_seq(),
            }
        return entry

    def listing(self, lower: str, recursive: bool, after: int, include_deleted: bool) -> list[dict]:
        """Entries under folder `lower` ("" = root) changed after sequence `after`, in order."""
        pool = list(self.entries.values())
        if include_deleted:
            pool += list(self.deleted.values())
        prefix = lower + "/"
        found = []
        for entry in pool:
            path = entry["path_lower"]
            if entry["seq"] <= after or not path.startswith(prefix):
                continue
            if recursive or "/" not in path[len(prefix) :]:
                found.append(entry)
        return sorted(found, key=lambda e: e["seq"])
