"""The board's storage: the CIRCUITPY drive, the SD card, NVM and sleep memory.

Sleep memory survives deep sleep only; NVM and the card survive everything.
"""

from __future__ import annotations

import bisect
import errno
import functools
import hashlib
import os
import re

from sim.hardware import file_size
from sim.parts.power import Power, PowerCut, WatchdogReset
from sim.parts.state import NVM_BYTES, iso

# Every NVM write rewrites the whole blob (docs/fidelity.md, Storage). Estimates: nvs init and
# reading the 8 KB blob back, a few ms; then, in the window where a cut loses everything,
# nvs_erase_all, 8 KB programmed as 32 pages of 256 bytes (~0.7 ms each) and, with the blob
# filling ~2 of the 5 pages of the 20 KB NVS partition (partitions-8MB.csv) at every write,
# about two 4 KB sector erases by NVS garbage collection (~45 ms each): about 0.11 s.
NVM_READ_S = 0.003
NVM_WRITE_S = 0.11


class Storage(Power):
    """Files on CIRCUITPY and the card, NVM writes, the memory images (part of Device)."""

    @functools.cached_property
    def _roots(self) -> tuple[str, str, str, str]:
        """The device folder and the card folder as text, each also with a trailing separator:
        made once, as host_path and on_card run at every file access."""
        folder, sd = str(self.folder), str(self.sd)
        return folder, folder + os.sep, sd, sd + os.sep

    def host_path(self, path) -> str:
        """A board path (relative to `/`, or absolute) as a path inside the device folder."""
        path = str(path)
        folder, inside, _, _ = self._roots
        joined = os.path.normpath(inside + path.lstrip("/"))  # os.path.join(folder, ...)
        if not (joined == folder or joined.startswith(inside)):
            raise OSError(errno.ENOENT, f"no such file on the board: {path}")
        return joined

    def on_card(self, host_path: str) -> bool:
        _, _, sd, inside = self._roots
        return host_path == sd or host_path.startswith(inside)

    def check_card_path(self, host_path: str) -> None:
        if self.on_card(host_path) and not self.card.mounted:
            raise OSError(errno.ENOENT, "the card is not mounted")
        if not self.on_card(host_path) and self.drive_readonly:
            raise OSError(errno.EROFS, "Read-only filesystem")

    def open_file(self, path, mode: str = "r", *args, **kwargs):
        host = self.host_path(path)
        writing = any(flag in mode for flag in "wax+")
        if not self.on_card(host):
            if writing:
                self.check_card_path(host)  # CIRCUITPY is read-only to code.py
            return open(host, mode, *args, **kwargs)
        if not self.card.mounted:
            raise OSError(errno.ENOENT, "the card is not mounted")
        self.charge_card_lookup(host, create=writing)
        if writing:
            self.card_folder_changed(host)
            return CardFile(self, host, mode)
        return CardReader(self, open(host, mode, *args, **kwargs))

    def charge_card_read(self, size: int) -> None:
        """`size` bytes read from the card over SPI (file data, or a folder's entries)."""
        sd = self.profile["sd"]
        self.spend("card", size / (sd["read_kBps"] * 1024), self.awake_mA() + sd["read_extra_mA"])

    def card_folder_bytes(self, folder: str, names: list[str] | None = None) -> int:
        """What reading all of a card folder's FAT entries reads: whole 512-byte sectors of its
        entries ("." and ".." in a subfolder). Kept per folder until the board changes it
        (`card_folder_changed`) or lists it again (`names`)."""
        size = None if names is not None else self._folder_bytes.get(folder)
        if size is None:
            entries = sum(map(fat_entry_bytes, os.listdir(folder) if names is None else names))
            size = -(-(entries + (0 if folder == self._roots[2] else 64)) // 512) * 512
            self._folder_bytes[folder] = size
        return size

    def card_folder_changed(self, host: str) -> None:
        """A name in `host`'s folder was made, renamed or removed."""
        self._folder_bytes.pop(os.path.dirname(host), None)

    def charge_card_lookup(self, host: str, create: bool = False) -> None:
        """FatFs finds a name by reading its folder's entries from the first (`dir_find`): all of
        them for a new name, up to the name for one that is there (charged as all: an upper
        bound). Making a new name (`create`) reads them again to allocate its entries
        (`dir_alloc`), and once more to check a hashed 8.3 alias when the name does not fit 8.3
        (`dir_register`: aliases ~1..~5 collide near the folder's start, not charged). A
        missing folder costs nothing here."""
        folder = os.path.dirname(host)
        if not os.path.isdir(folder):
            return
        scans = 1
        if create and not os.path.exists(host):
            scans += 1 if fat_entry_bytes(os.path.basename(host)) == 32 else 2
        self.charge_card_read(scans * self.card_folder_bytes(folder))

    def remove_file(self, host: str) -> None:
        self.check_card_path(host)
        if self.on_card(host):
            self.charge_card_lookup(host)
        size = file_size(host)
        os.remove(host)
        self.card_folder_changed(host)
        if self.on_card(host):
            self.card.removed(size)

    def rename_file(self, old: str, new: str) -> None:
        self.check_card_path(old)
        self.check_card_path(new)
        if self.on_card(old):
            self.charge_card_lookup(old)  # f_rename finds the old name, then makes the new one
            self.charge_card_lookup(new, create=True)
        if os.path.exists(new):
            raise OSError(errno.EEXIST, "File exists")
        os.rename(old, new)
        self.card_folder_changed(old)
        self.card_folder_changed(new)
        digest = self._writing.pop(old, None)
        if digest is not None and new.endswith(".jpg"):
            self.record_capture(new, digest)
        elif os.path.relpath(old, self.sd) in self.captured:  # a photo renamed (restamped)
            self.renamed_capture(os.path.relpath(old, self.sd), os.path.relpath(new, self.sd))

    def renamed_capture(self, old: str, new: str) -> None:
        """The photo keeps its capture time; only its name changes."""
        self.captured[new] = self.captured.pop(old)
        self.capture_times = [(t, rtc, new if name == old else name) for t, rtc, name in self.capture_times]
        for record in self.wake_records[-1:]:
            record.captures = [new if name == old else name for name in record.captures]
        self.event("rename", name=new, was=old)

    def record_capture(self, host: str, digest: str) -> None:
        name = os.path.relpath(host, self.sd)
        if name in self.captured:
            self.event("overwrite", name=name)
        self.captured[name] = digest
        self.counters.captures += 1
        self.capture_times.append((self.clock.true, self.clock.rtc, name))
        self.wake_records[-1].captures.append(name)
        self.event("capture", name=name, bytes=file_size(host), rtc=iso(self.clock.rtc))

    def statvfs(self, host: str) -> tuple:
        if self.on_card(host):
            if not self.card.mounted:
                raise OSError(errno.ENOENT, "the card is not mounted")
            return self.card.statvfs()
        return (1024, 1024, 6 * 1024, 3 * 1024, 3 * 1024, 0, 0, 0, 0, 255)

    def write_nvm(self, start: int, data: bytes) -> None:
        """common-hal set_bytes on the ESP32-S3 (ports/espressif/common-hal/nvm/ByteArray.c):
        read the whole 8192-byte NVS blob, nvs_erase_all, nvs_set_blob of all 8192 bytes,
        nvs_commit. A power cut or a reset after the erase leaves no blob, which reads as all
        zeros: both halves of NVM are gone, whatever slice was written."""
        self.counters.nvm_writes += 1
        self.spend("nvm", NVM_READ_S, self.awake_mA())  # cut here: the old blob is intact
        blob = bytearray(self.nvm)
        blob[start : start + len(data)] = data
        if self.nvm_cuts and self.counters.nvm_writes >= self.nvm_cuts[0]:
            self.nvm_cuts.pop(0)  # power fails half-way between the erase and the commit
            bisect.insort(self.awake_cuts, self.awake_total + NVM_WRITE_S / 2)
        try:
            self.spend("nvm", NVM_WRITE_S, self.awake_mA())
        except (PowerCut, WatchdogReset):
            self.nvm[:] = bytes(NVM_BYTES)
            raise
        self.nvm[:] = blob

    def save_memory(self) -> None:
        """The sleep_memory and NVM images, for `python -m tools.dump --device`."""
        folder = self.folder / ".sim"
        folder.mkdir(exist_ok=True)
        (folder / "sleep_memory.bin").write_bytes(bytes(self.sleep_memory))
        (folder / "nvm.bin").write_bytes(bytes(self.nvm))


_SHORT_NAME = re.compile(r"[A-Za-z0-9!#$%&'()@^_`{}~-]{1,8}(\.[A-Za-z0-9!#$%&'()@^_`{}~-]{1,3})?")


@functools.cache
def fat_entry_bytes(name: str) -> int:
    """The bytes a name takes in a FAT folder: one 32-byte entry, and one more per 13
    characters of its long name when it does not fit 8.3 (FatFs, FF_USE_LFN)."""
    if _SHORT_NAME.fullmatch(name):
        return 32
    return 32 * (1 + -(-len(name) // 13))


class CardReader:
    """A file on the card opened for reading: charged per byte read."""

    def __init__(self, device: Storage, file) -> None:
        self.device = device
        self.file = file

    def read(self, size: int = -1):
        data = self.file.read(size)
        self.device.charge_card_read(len(data))
        return data

    def readinto(self, buffer) -> int:
        count = self.file.readinto(buffer)
        self.device.charge_card_read(count or 0)
        return count

    def readline(self, size: int = -1):
        line = self.file.readline(size)
        self.device.charge_card_read(len(line))
        return line

    def __iter__(self):
        return iter(self.readline, self.file.read(0))

    def __getattr__(self, name: str):
        return getattr(self.file, name)  # seek, tell, close, closed ...

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.file.close()


class CardFile:
    """A file on the card opened for writing: charged per byte, cut by power cuts, fills up."""

    def __init__(self, device: Storage, host: str, mode: str) -> None:
        self.device = device
        self.host = host
        before = file_size(host) if os.path.exists(host) else 0
        self.text = "b" not in mode
        self.file = open(host, mode.replace("t", "") + ("b" if self.text else ""))
        if "w" in mode:
            device.card.removed(before)
        self.digest = hashlib.sha256()

    def write(self, data) -> int:
        count = len(data)
        data = data.encode() if self.text else bytes(data)
        device = self.device
        sd = device.profile["sd"]
        if device.card.free() < len(data):
            fits = device.card.free()
            self.file.write(data[:fits])
            device.card.used += fits
            self.file.flush()
            raise OSError(errno.ENOSPC, "No space left on device")
        seconds = len(data) / (sd["write_kBps"] * 1024)
        cut = device.seconds_to_cut()
        if cut < seconds:
            done = int(len(data) * max(0.0, cut) / seconds)
            self.file.write(data[:done])
            device.card.used += done
            self.file.flush()
        device.spend("card", seconds, device.awake_mA() + sd["write_extra_mA"])
        self.file.write(data)
        device.card.used += len(data)
        self.digest.update(data)
        return count

    def flush(self) -> None:
        self.file.flush()

    def close(self) -> None:
        if self.file.closed:
            return
        self.file.close()
        digest = self.digest.hexdigest()
        if self.host.endswith(".jpg"):
            self.device.record_capture(self.host, digest)
        else:
            self.device._writing[self.host] = digest

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
