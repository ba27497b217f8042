"""`espcamera`: the sensor on the Sense board (sim.hardware.Camera), returning real JPEG bytes.

What it accepts and raises is the binding's (ports/espressif/bindings/espcamera/Camera.c and
__init__.c, identical in what is modelled here at 9.2.8, 10.0.3 and 10.1.0).
"""

import errno
from typing import ClassVar

from sim import circuitpython as _hw


class _Named:
    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name

    def __repr__(self) -> str:
        return f"espcamera.{self.kind}.{self.name}"


# The binding's FrameSize names, in order (bindings/espcamera/__init__.c, all three tags): there
# is no R128X128 nor R320X320.
FRAME_SIZE_NAMES = (
    "R96X96",
    "R240X240",
    "QQVGA",
    "QCIF",
    "HQVGA",
    "QVGA",
    "CIF",
    "HVGA",
    "VGA",
    "SVGA",
    "XGA",
    "HD",
    "SXGA",
    "UXGA",
    "FHD",
    "P_HD",
    "P_3MP",
    "QXGA",
    "QHD",
    "WQXGA",
    "P_FHD",
    "QSXGA",
)
_ORDER = (
    "R96X96",
    "QQVGA",
    "QCIF",
    "HQVGA",
    "R240X240",
    "QVGA",
    "CIF",
    "HVGA",
    "VGA",
    "SVGA",
    "XGA",
    "HD",
    "SXGA",
    "UXGA",
    "FHD",
    "P_HD",
    "P_3MP",
    "QXGA",
    "QHD",
    "WQXGA",
    "P_FHD",
    "QSXGA",
)  # esp32-camera's framesize_t order: a larger one is forced to the sensor's max


class FrameSize:
    """The members, declared for type checkers, are set below from FRAME_SIZE_NAMES."""

    R96X96: ClassVar[_Named]
    R240X240: ClassVar[_Named]
    QQVGA: ClassVar[_Named]
    QCIF: ClassVar[_Named]
    HQVGA: ClassVar[_Named]
    QVGA: ClassVar[_Named]
    CIF: ClassVar[_Named]
    HVGA: ClassVar[_Named]
    VGA: ClassVar[_Named]
    SVGA: ClassVar[_Named]
    XGA: ClassVar[_Named]
    HD: ClassVar[_Named]
    SXGA: ClassVar[_Named]
    UXGA: ClassVar[_Named]
    FHD: ClassVar[_Named]
    P_HD: ClassVar[_Named]
    P_3MP: ClassVar[_Named]
    QXGA: ClassVar[_Named]
    QHD: ClassVar[_Named]
    WQXGA: ClassVar[_Named]
    P_FHD: ClassVar[_Named]
    QSXGA: ClassVar[_Named]


for _name in FRAME_SIZE_NAMES:
    setattr(FrameSize, _name, _Named("FrameSize", _name))


class PixelFormat:
    RGB565 = _Named("PixelFormat", "RGB565")
    GRAYSCALE = _Named("PixelFormat", "GRAYSCALE")
    JPEG = _Named("PixelFormat", "JPEG")


class GrabMode:
    WHEN_EMPTY = _Named("GrabMode", "WHEN_EMPTY")
    LATEST = _Named("GrabMode", "LATEST")


class GainCeiling:
    GAIN_2X = _Named("GainCeiling", "GAIN_2X")
    GAIN_128X = _Named("GainCeiling", "GAIN_128X")


def _int_range(value: int, low: int, high: int, name: str) -> int:
    """py/argcheck.c mp_arg_validate_int_range."""
    if not low <= value <= high:
        raise ValueError(f"{name} must be {low}-{high}")
    return value


def _enum(value, kind: str, name: str):
    if not isinstance(value, _Named) or value.kind != kind:
        raise TypeError(f"{name} must be of type {kind}, not {type(value).__name__}")
    return value


class Camera:
    def __init__(
        self,
        *,
        data_pins,
        pixel_clock_pin,
        vsync_pin,
        href_pin,
        i2c,
        external_clock_pin=None,
        external_clock_frequency=20_000_000,
        powerdown_pin=None,
        reset_pin=None,
        pixel_format=PixelFormat.RGB565,
        frame_size=FrameSize.QQVGA,
        jpeg_quality=15,
        framebuffer_count=1,
        grab_mode=GrabMode.WHEN_EMPTY,
    ) -> None:
        if len(data_pins) != 8:
            raise ValueError("data_pins length must be 8")
        _int_range(external_clock_frequency, 0, 40_000_000, "external_clock_frequency")
        _enum(grab_mode, "GrabMode", "grab_mode")
        _enum(frame_size, "FrameSize", "frame_size")
        _enum(pixel_format, "PixelFormat", "pixel_format")
        _int_range(jpeg_quality, 2, 55, "jpeg_quality")
        _int_range(framebuffer_count, 1, 2, "framebuffer_count")
        if getattr(i2c, "_deinited", False):
            raise ValueError("Object has been deinitialized and can no longer be used. Create a new object.")
        if getattr(i2c, "_locked", False):
            raise OSError(errno.EAGAIN, "EAGAIN")  # i2c_lock: MP_EWOULDBLOCK
        if not getattr(i2c, "camera_bus", False):
            from sim.circuitpython.espidf import IDFError

            raise IDFError("Requested resource not found")
        self._sensor = _hw.device().camera
        try:
            self._sensor.start(self._sized(frame_size.name))
        except LookupError as problem:  # the probe found no sensor: ESP_ERR_NOT_FOUND
            from sim.circuitpython.espidf import IDFError

            raise IDFError(str(problem)) from None
        self._pixel_format = pixel_format
        self._frame_size = frame_size
        self._quality = jpeg_quality
        self.vflip = False
        self.hmirror = False
        self._deinited = False

    def _sized(self, name: str) -> str:
        biggest = self._sensor.info["max"]
        return biggest if _ORDER.index(name) > _ORDER.index(biggest) else name

    def _check(self) -> None:
        if self._deinited:
            raise ValueError("Object has been deinitialized and can no longer be used. Create a new object.")

    @property
    def sensor_name(self) -> str:
        self._check()
        return self._sensor.sensor

    @property
    def address(self) -> int:
        self._check()
        return self._sensor.address

    @property
    def max_frame_size(self):
        self._check()
        return getattr(FrameSize, self._sensor.info["max"])

    @property
    def pixel_format(self):
        self._check()
        return self._pixel_format

    @property
    def frame_size(self):
        self._check()
        return getattr(FrameSize, self._sized(self._frame_size.name))

    @property
    def quality(self) -> int:
        self._check()
        return self._quality

    @quality.setter
    def quality(self, value: int) -> None:
        self._check()
        if not 0 <= value <= 63:  # the sensors' set_quality takes the register's 0..63
            raise ValueError("invalid setting")
        self._quality = value

    @property
    def frame_available(self) -> bool:
        self._check()
        return True

    def take(self, timeout: float = 0.25):
        """A read-only memoryview of the JPEG, or None after `timeout` (a frame that did not
        fit the width x height / 5 buffer is dropped by the driver, so it times out)."""
        self._check()
        if self._pixel_format is not PixelFormat.JPEG:
            raise NotImplementedError("the simulated camera delivers JPEG only")
        rotate = 180 if (self.vflip and self.hmirror) else 0
        size = self._sized(self._frame_size.name)
        device = _hw.device()
        before = device.clock.true
        frame = self._sensor.take(size, self._quality, rotate)
        if frame is None:
            device.spend("camera", max(0.0, timeout - (device.clock.true - before)), self._sensor.active_mA())
            return None
        return frame.toreadonly()

    def reconfigure(self, frame_size=None, pixel_format=None, grab_mode=None, framebuffer_count=None) -> None:
        self._check()
        if frame_size is not None:
            self._frame_size = _enum(frame_size, "FrameSize", "frame_size")
        if pixel_format is not None:
            self._pixel_format = _enum(pixel_format, "PixelFormat", "pixel_format")

    def deinit(self) -> None:
        if not self._deinited:
            self._deinited = True
            self._sensor.stop_clock()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.deinit()
