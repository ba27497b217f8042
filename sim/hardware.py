"""Models of the parts on the Sense board whose state outlives a wake: the camera and the card."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import TypedDict

from sim.scene import FRAME_SIZES, render_jpeg


class SensorInfo(TypedDict):
    address: int  # SCCB
    pid: dict[int, int]  # product ID register -> value
    max: str  # the largest frame size


# The sensors espressif/esp32-camera finds on this connector (driver/sensor.c, sensors/*.c at the
# commit adafruit/esp32-camera 243560e that CircuitPython 9.2.8, 10.0.3 and 10.1.0 build):
# name -> SCCB address, product ID registers and their values, largest frame.
SENSORS: dict[str, SensorInfo] = {
    "OV2640": {"address": 0x30, "pid": {0x0A: 0x26, 0x0B: 0x42, 0x1C: 0x7F, 0x1D: 0xA2}, "max": "UXGA"},
    "OV3660": {"address": 0x3C, "pid": {0x300A: 0x36, 0x300B: 0x60}, "max": "QXGA"},
    "OV5640": {"address": 0x3C, "pid": {0x300A: 0x56, 0x300B: 0x40}, "max": "QSXGA"},
}
DEFAULT_SENSOR = "OV2640"
# The deep-sleep states each sensor is known to come back from at the next esp_camera_init
# (never_started and deinit_only: the driver's reset; soft_reset: a reset already; the OV3660's
# and OV5640's standby: 0x3008 is rewritten by the driver's reset). Not the OV2640's standby.
RETURNING_STATES = {
    "OV2640": ("soft_reset", "never_started", "deinit_only"),  # a tie goes to the first
    "OV3660": ("standby", "soft_reset", "never_started", "deinit_only"),
    "OV5640": ("standby", "soft_reset", "never_started", "deinit_only"),
}

# OV2640 (sensors/private_include/ov2640_regs.h): 0xFF selects the bank; in the sensor bank (1)
# COM2 (0x09) bit 4 is standby, COM7 (0x12) bit 7 a soft reset to the power-on defaults.
BANK_SELECT, COM2, COM7 = 0xFF, 0x09, 0x12
COM2_STANDBY, COM7_RESET = 0x10, 0x80
# OV3660 and OV5640 (sensors/private_include/ov3660_regs.h, ov5640_regs.h): 16-bit register
# addresses; SYSTEM_CTROL0 (0x3008) bit 7 software reset, bit 6 software power down.
SYSTEM_CTROL0, CTROL0_RESET, CTROL0_POWER_DOWN = 0x3008, 0x80, 0x40


def _os_error(code: int) -> OSError:
    """busio's mp_raise_OSError(errno): printed "[Errno 19] ENODEV" on the board."""
    return OSError(code, errno.errorcode[code])


class Camera:
    """The sensor on the Sense board's camera connector, as the field reports describe it.

    Without a load switch (`switch`) its power cannot be cut: what it draws in deep sleep follows
    from the state the firmware left it in. It answers SCCB only while XCLK runs. An OV2640 put
    in standby (COM2 bit 4) holds SDA low from then on (espressif/esp32-camera issues 101 and
    672): every later SCCB transaction fails, and busio finds no pull-up, until a power loss.
    """

    def __init__(self, device, sensor: str = DEFAULT_SENSOR, switch_gpio: int | None = None) -> None:
        if sensor not in SENSORS:
            raise ValueError(f"unknown sensor {sensor!r} (known: {', '.join(SENSORS)})")
        self.device = device
        self.sensor = sensor
        self.info = SENSORS[sensor]
        self.switch_gpio = switch_gpio  # a load switch on the camera's 3.3 V, on while driven low
        self._last_frame: tuple = (None, 0.0, b"")
        self.frames = 0
        self.power_loss()
        if switch_gpio is not None:
            self.supply(False)

    # ---- power --------------------------------------------------------------------------------

    def power_loss(self) -> None:
        """The camera's supply went away and came back: power-on defaults, the bus free."""
        self.powered = True
        self.state = "never_started"
        self.clock = False
        self.sda_low = False
        self.registers: dict = {}
        self.bank = 0
        self.pointer = 0

    def supply(self, on: bool) -> None:
        """The load switch (if fitted) turned the camera's 3.3 V on or off."""
        if on and not self.powered:
            self.power_loss()
        elif not on:
            self.power_loss()
            self.powered = False
            self.state = "off"

    def enter_deep_sleep(self) -> None:
        """CircuitPython resets every pin when code.py ends; the switch's gate pull-up turns
        the camera off for the whole deep sleep."""
        if self.switch_gpio is not None:
            self.device.pin_levels.pop(self.switch_gpio, None)
            self.supply(False)

    # ---- the bus --------------------------------------------------------------------------------

    @property
    def address(self) -> int:
        return self.info["address"]

    @property
    def answers(self) -> bool:
        """Whether the sensor acknowledges its address now."""
        return self.powered and self.clock and not self.sda_low

    def check_bus(self) -> None:
        if self.sda_low:
            raise RuntimeError("No pull up found on SDA or SCL; check your wiring")

    def _transaction(self) -> None:
        self.device.spend("camera", self.device.profile["camera"]["standby_s"] / 2, self.device.awake_mA())
        if self.sda_low:
            raise _os_error(errno.ETIMEDOUT)  # SDA held low: the master never gets the bus
        if not self.answers:
            raise _os_error(errno.ENODEV)  # no acknowledge (ESP_FAIL in busio's conversion)

    def sccb_write(self, data: bytes) -> None:
        self._transaction()
        wide = self.sensor != "OV2640"
        if wide:
            if len(data) < 2:
                return
            self.pointer = data[0] << 8 | data[1]
            if len(data) >= 3:
                self._write16(self.pointer, data[2])
            return
        if not data:
            return
        self.pointer = data[0]
        if len(data) >= 2:
            self._write8(self.pointer, data[1])

    def _write8(self, register: int, value: int) -> None:
        if register == BANK_SELECT:
            self.bank = value & 1
        elif self.bank == 1 and register == COM7 and value & COM7_RESET:
            self.registers = {}
            self.state = "soft_reset"
        elif self.bank == 1 and register == COM2 and value & COM2_STANDBY:
            self.registers[(1, COM2)] = value
            self.state = "standby"
            self.sda_low = True  # issue 101: "locks the I2C SDA pin low until it is power-cycled"
        else:
            self.registers[(self.bank, register)] = value

    def _write16(self, register: int, value: int) -> None:
        if register == SYSTEM_CTROL0 and value & CTROL0_RESET:
            self.registers = {}
            self.state = "standby" if value & CTROL0_POWER_DOWN else "soft_reset"
        elif register == SYSTEM_CTROL0 and value & CTROL0_POWER_DOWN:
            self.registers[SYSTEM_CTROL0] = value
            self.state = "standby"
        else:
            self.registers[register] = value
            if register == SYSTEM_CTROL0 and self.state == "standby":
                self.state = "active" if self.clock else "deinit_only"

    def sccb_read(self) -> int:
        self._transaction()
        if self.sensor == "OV2640":
            if self.pointer == BANK_SELECT:
                return self.bank
            if self.bank == 1 and self.pointer in self.info["pid"]:
                return self.info["pid"][self.pointer]
            return self.registers.get((self.bank, self.pointer), 0)
        if self.pointer in self.info["pid"]:
            return self.info["pid"][self.pointer]
        return self.registers.get(self.pointer, 0)

    # ---- espcamera ------------------------------------------------------------------------------

    def start(self, frame_size: str) -> None:
        """esp_camera_init: XCLK on, probe the SCCB address, read the product ID, soft reset,
        load the settings (driver/esp_camera.c camera_probe). The SCCB bus is free of the
        firmware's lock meanwhile."""
        profile = self.device.profile
        if self.device.fault("camera_fail"):
            self.device.spend("camera", profile["camera"]["init_s"], self.active_mA())
            raise RuntimeError("Camera init failed")
        self.clock = True
        if not self.answers:
            self.clock = False
            self.device.spend("camera", 0.02, self.device.awake_mA())  # the probe's 10 ms waits
            raise LookupError("Requested resource not found")  # ESP_ERR_NOT_FOUND
        if frame_size not in FRAME_SIZES:
            raise ValueError(f"the {self.sensor} does not deliver {frame_size}")
        self.registers = {}  # the driver's reset (COM7 SRST, or 0x3008 = 0x82) leaves standby
        self.device.spend("camera", profile["camera"]["init_s"], self.active_mA())
        self.state = "active"

    def active_mA(self) -> float:
        return self.device.awake_mA() + self.device.profile["camera"]["extra_mA"]

    def take(self, frame_size: str, quality: int, rotate: int) -> memoryview | None:
        """One JPEG, or None when it does not fit the frame buffer: esp32-camera sizes a JPEG
        buffer at width x height / 5 bytes (driver/cam_hal.c), and a frame that overflows has
        no end-of-image marker, is dropped ("NO-EOI"), and take() times out."""
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
            jpeg = render_jpeg(
                frame_size,
                quality,
                now,
                site[0],
                site[1],
                rotate,
                frame_number=self.frames + self.device.wakes * 7,
                label=self.device.label,
            )
            self._last_frame = ((frame_size, quality, rotate), now, jpeg)
        if len(jpeg) > frame_buffer_bytes(frame_size):
            return None
        return memoryview(jpeg)

    def stop_clock(self) -> None:
        """espcamera's deinit: XCLK stops; the sensor stays powered with its registers."""
        self.clock = False
        if self.state == "active":
            self.state = "deinit_only"

    def sleep_state(self) -> str:
        return self.state


def frame_buffer_bytes(frame_size: str) -> int:
    """esp32-camera's JPEG frame buffer (CONFIG_CAMERA_JPEG_MODE_FRAME_SIZE_AUTO, the default)."""
    w, h = FRAME_SIZES[frame_size]
    return w * h // 5


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
            raise OSError("no SD card")  # mp_raise_OSError_msg: no errno (shared-module/sdcardio/SDCard.c)

    def mount(self) -> None:
        self.detect()
        self.mounted = True

    def unmount(self) -> None:
        self.mounted = False

    def free(self) -> int:
        return max(0, self.capacity - self.used)

    def statvfs(self) -> tuple:
        block = 4096
        return (
            block,
            block,
            self.capacity // block,
            self.free() // block,
            self.free() // block,
            0,
            0,
            0,
            0,
            255,
        )

    def removed(self, size: int) -> None:
        self.used = max(0, self.used - size)


def file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
