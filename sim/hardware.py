"""Models of the parts on the Sense board whose state outlives a wake: the OV2640 and the card."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from sim.scene import FRAME_SIZES, render_jpeg

# OV2640 registers reached over SCCB (datasheet): 0xFF selects the bank; in the sensor bank (1),
# COM2 (0x09) bit 4 puts the sensor in standby and COM7 (0x12) bit 7 resets it.
BANK_SELECT, COM2, COM7 = 0xFF, 0x09, 0x12
COM2_STANDBY, COM7_RESET = 0x10, 0x80


class Camera:
    """The OV2640. Its power cannot be cut on the Sense board: what it draws in deep sleep
    follows from what the firmware left it in (never started, used and deinitialised, standby)."""

    def __init__(self, device) -> None:
        self.device = device
        self._last_frame: tuple = (None, 0.0, b"")
        self.power_loss()

    def power_loss(self) -> None:
        self.state = "never_started"
        self.registers = {1: {}, 0: {}}
        self.bank = 0
        self.pointer = 0
        self.frames = 0

    @property
    def standby(self) -> bool:
        return bool(self.registers[1].get(COM2, 0) & COM2_STANDBY)

    def start(self, frame_size: str) -> None:
        if self.device.fault("camera_fail"):
            self.device.spend("camera", self.device.profile["camera"]["init_s"], self.active_mA())
            raise RuntimeError("Camera init failed")
        if frame_size not in FRAME_SIZES:
            raise ValueError(f"the OV2640 does not deliver {frame_size}")
        profile = self.device.profile
        self.registers = {1: {}, 0: {}}  # esp32-camera resets the sensor at init
        self.device.spend("camera", profile["camera"]["init_s"], self.active_mA())
        self.state = "active"

    def active_mA(self) -> float:
        return self.device.awake_mA() + self.device.profile["camera"]["extra_mA"]

    def take(self, frame_size: str, quality: int, rotate: int) -> memoryview:
        if self.state != "active":
            raise RuntimeError("camera not started")
        frame_s = self.device.profile["camera"]["frame_s"]
        seconds = frame_s.get(frame_size) or frame_s["SVGA"] * _pixels(frame_size) / _pixels("SVGA")
        self.device.spend("camera", seconds, self.active_mA())
        self.frames += 1
        # Frames taken within a second show the same scene (exposure is not modelled): render
        # it once, so warm-up frames cost the host nothing.
        now = self.device.clock.true
        key, taken, jpeg = self._last_frame
        if key != (frame_size, quality, rotate) or now - taken > 1.0:
            site = self.device.site
            jpeg = render_jpeg(frame_size, quality, now, site[0], site[1], rotate,
                               frame_number=self.frames + self.device.wakes * 7, label=self.device.label)
            self._last_frame = ((frame_size, quality, rotate), now, jpeg)
        return memoryview(jpeg)

    def stop_clock(self) -> None:
        """espcamera's deinit: the XCLK stops, the sensor stays powered with its registers."""
        if self.state == "active":
            self.state = "deinit_only"

    def sccb_write(self, data: bytes) -> None:
        self.device.spend("camera", self.device.profile["camera"]["standby_s"] / 2, self.device.awake_mA())
        if not data:
            return
        self.pointer = data[0]
        if len(data) < 2:
            return
        value = data[1]
        if self.pointer == BANK_SELECT:
            self.bank = value & 1
        elif self.bank == 1 and self.pointer == COM7 and value & COM7_RESET:
            self.registers = {1: {}, 0: {}}
        else:
            self.registers[self.bank][self.pointer] = value

    def sccb_read(self) -> int:
        if self.pointer == BANK_SELECT:
            return self.bank
        return self.registers[self.bank].get(self.pointer, 0)

    def sleep_state(self) -> str:
        if self.state == "never_started":
            return "never_started"
        return "standby" if self.standby else "deinit_only"


def _pixels(frame_size: str) -> int:
    w, h = FRAME_SIZES[frame_size]
    return w * h


class Card:
    """The microSD card: the device's sd/ folder, with a capacity, and faults to inject."""

    def __init__(self, device, folder: Path, capacity_mb: float) -> None:
        self.device = device
        self.folder = folder
        self.capacity = int(capacity_mb * 1024 * 1024)
        self.mounted = False
        self.used = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.exists() else 0

    @property
    def present(self) -> bool:
        return not self.device.fault("card_missing")

    def detect(self) -> None:
        if not self.present:
            raise OSError(errno.ETIMEDOUT, "no SD card")

    def mount(self) -> None:
        self.detect()
        self.mounted = True

    def unmount(self) -> None:
        self.mounted = False

    def free(self) -> int:
        return max(0, self.capacity - self.used)

    def statvfs(self) -> tuple:
        block = 4096
        return (block, block, self.capacity // block, self.free() // block, self.free() // block,
                0, 0, 0, 0, 255)

    def removed(self, size: int) -> None:
        self.used = max(0, self.used - size)


def file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
