"""`espcamera`: the OV2640 on the Sense board, returning real JPEG bytes (sim.scene)."""

from sim import circuitpython as _hw
from sim.scene import FRAME_SIZES


class _Named:
    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name

    def __repr__(self) -> str:
        return f"espcamera.{self.kind}.{self.name}"


class FrameSize:
    pass


for _name in FRAME_SIZES:
    setattr(FrameSize, _name, _Named("FrameSize", _name))
for _name in ("FHD", "P_HD", "P_3MP", "QXGA", "QHD", "WQXGA", "P_FHD", "QSXGA"):
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


class Camera:
    def __init__(self, *, data_pins, pixel_clock_pin, vsync_pin, href_pin, i2c,
                 external_clock_pin=None, external_clock_frequency=20_000_000,
                 powerdown_pin=None, reset_pin=None, pixel_format=PixelFormat.RGB565,
                 frame_size=FrameSize.QQVGA, jpeg_quality=15, framebuffer_count=1,
                 grab_mode=GrabMode.WHEN_EMPTY) -> None:
        if not getattr(i2c, "camera_bus", False):
            raise ValueError("no camera found on that I2C bus")
        self._sensor = _hw.device().camera
        self.pixel_format = pixel_format
        self.frame_size = frame_size
        self.quality = jpeg_quality
        self.vflip = False
        self.hmirror = False
        self._deinited = False
        self._sensor.start(frame_size.name)

    def _check(self) -> None:
        if self._deinited:
            raise ValueError("Object has been deinitialized and can no longer be used. Create a new object.")

    @property
    def frame_available(self) -> bool:
        self._check()
        return True

    def take(self, timeout: float = 0.25):
        self._check()
        if self.pixel_format is not PixelFormat.JPEG:
            raise NotImplementedError("the simulated camera delivers JPEG only")
        rotate = 180 if (self.vflip and self.hmirror) else 0
        return self._sensor.take(self.frame_size.name, self.quality, rotate)

    def reconfigure(self, frame_size=None, pixel_format=None, grab_mode=None,
                    framebuffer_count=None) -> None:
        self._check()
        if frame_size is not None:
            self.frame_size = frame_size
        if pixel_format is not None:
            self.pixel_format = pixel_format

    def deinit(self) -> None:
        if not self._deinited:
            self._deinited = True
            self._sensor.stop_clock()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.deinit()
