"""`espcamera`: the OV2640 on the Sense board. Frames are JPEG-framed bytes of the host's size,
different for every frame; a missing or failing camera fails as sim/hardware.py's does."""

import _board


class _Named:
    def __init__(self, kind, name):
        self.kind = kind
        self.name = name

    def __repr__(self):
        return "espcamera.%s.%s" % (self.kind, self.name)


class FrameSize:
    pass


for _name in ("R96X96", "QQVGA", "QCIF", "HQVGA", "R240X240", "QVGA", "CIF", "HVGA", "VGA",
              "SVGA", "XGA", "HD", "SXGA", "UXGA", "FHD", "P_HD", "P_3MP", "QXGA", "QHD",
              "WQXGA", "P_FHD", "QSXGA"):
    setattr(FrameSize, _name, _Named("FrameSize", _name))

# What the OV2640 (2 MP) delivers; larger sizes are refused (sim/scene.py FRAME_SIZES).
_OV2640 = ("R96X96", "QQVGA", "QCIF", "HQVGA", "R240X240", "QVGA", "CIF", "HVGA", "VGA",
           "SVGA", "XGA", "HD", "SXGA", "UXGA")


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
                 external_clock_pin=None, external_clock_frequency=20000000,
                 powerdown_pin=None, reset_pin=None, pixel_format=PixelFormat.RGB565,
                 frame_size=FrameSize.QQVGA, jpeg_quality=15, framebuffer_count=1,
                 grab_mode=GrabMode.WHEN_EMPTY):
        if not getattr(i2c, "camera_bus", False):
            raise ValueError("no camera found on that I2C bus")
        _board.spend(_board.S["camera_init_s"])
        if not _board.S["camera"]:
            raise RuntimeError("Camera init failed")
        if frame_size.name not in _OV2640:
            raise ValueError("the OV2640 does not deliver %s" % frame_size.name)
        _board.camera_reset()
        _board.camera_state = "running"
        self.pixel_format = pixel_format
        self.frame_size = frame_size
        self.quality = jpeg_quality
        self.vflip = False
        self.hmirror = False
        self._deinited = False
        self._frames = 0

    def _check(self):
        if self._deinited:
            raise ValueError("Object has been deinitialized and can no longer be used. Create a new object.")

    @property
    def sensor_name(self):
        """shared-bindings/espcamera/Camera.c: the name esp32-camera found by product ID."""
        self._check()
        return "OV2640"

    @property
    def address(self):
        self._check()
        return 0x30  # the OV2640's SCCB address (busio.OV2640_ADDRESS)

    @property
    def frame_available(self):
        self._check()
        return True

    def take(self, timeout=0.25):
        self._check()
        _board.spend(_board.S["frame_s"].get(self.frame_size.name, 0.25))
        self._frames += 1
        stamp = ("%s %d %.3f " % (self.frame_size.name, self._frames, _board.rtc_s())).encode()
        size = _board.S["jpeg_bytes"]
        body = stamp * (size // len(stamp))
        return memoryview(b"\xff\xd8\xff\xe0" + body + bytes(size - len(body) - 6) + b"\xff\xd9")

    def reconfigure(self, frame_size=None, pixel_format=None, grab_mode=None, framebuffer_count=None):
        self._check()
        if frame_size is not None:
            self.frame_size = frame_size
        if pixel_format is not None:
            self.pixel_format = pixel_format

    def deinit(self):
        if not self._deinited:
            self._deinited = True
            _board.camera_state = "deinit_only"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.deinit()
