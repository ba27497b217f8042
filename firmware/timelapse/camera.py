"""The camera: one JPEG per wake, then the sensor left in the lowest deep-sleep state that
comes back (docs/design.md, Power; docs/camera-power-switch.md).

The Sense board cannot cut the camera's power, so the state the sensor is left in decides
most of the deep-sleep current, and it must be written while XCLK still runs: espcamera's
deinit stops the clock, and an OmniVision sensor does not answer SCCB without it. Per sensor
(found by its product ID at every start, `Camera.sensor_name`):
- OV3660, OV5640: software power down (SYSTEM_CTROL0 0x3008 bit 6); esp_camera_init's own
  soft reset brings them back at the next start.
- OV2640: a soft reset (COM7 SRST) to the power-on defaults. Never its standby (COM2 bit 4):
  that is reported to hold SDA low until a power cycle, which this board cannot do.
With `[power] camera_power_pin` (a load switch on the camera's 3.3 V, active low) the camera is
switched off after every capture and on again before the next.

A failed sleep write or a failed switch never costs the photo already taken.
"""

import time

import board
import busio
import espcamera

from state import sensor

if False:  # for type checkers only: the board compiles nothing for it
    from collections.abc import Callable

# sensor -> (the state it is left in, SCCB writes made while XCLK runs)
SLEEP_WRITES = {
    "OV2640": ("soft_reset", (b"\xff\x01", b"\x12\x80")),  # sensor bank; COM7 = SRST
    "OV3660": ("standby", (b"\x30\x08\x42",)),             # SYSTEM_CTROL0: power down
    "OV5640": ("standby", (b"\x30\x08\x42",)),
}
MAX_QUALITY = 55          # the binding's jpeg_quality range is 2..55
QUALITY_STEP = 10         # coarser by this much when a JPEG did not fit the frame buffer
FRAME_RETRIES = 2
LOCKED_AFTER = 3          # failed starts in a row after which the bus is reported as locked
POWER_UP_S = 0.02         # the camera's supply settling before the driver probes it
POWER_CYCLE_S = 0.2


class CameraError(RuntimeError):
    pass


def rest(settings: dict, power_pin: "str | None", hot: dict, report: "Callable[[str, str], None]") -> None:
    """Start the camera only to leave it in its deep-sleep state, no photo: after a power-on
    the sensor sits "never started" (an OV3660 draws far more so than in standby) until a wake
    starts it, and a wake that takes no photo (before the start date, after the stop date, a
    polar night in daylight mode) would otherwise leave it so all night."""
    capture(settings, power_pin, hot, report, take=False)


def capture(settings: dict, power_pin: "str | None", hot: dict, report: "Callable[[str, str], None]",
            take: bool = True) -> "bytes | None":
    """A JPEG (bytes) taken with the [camera] settings, or None after reporting why not with
    report(kind, message). The hot record learns the sensor, the state it was left in, failed
    starts in a row and whether the power switch works (`cam_*`, state/README.md). With `take`
    false no frame is taken: the sensor is only left in its sleep state."""
    switch = None
    if power_pin:
        try:
            switch = Switch(power_pin)
        except (AttributeError, RuntimeError, ValueError) as problem:  # no such pin, or in use
            report("camera_power", "camera_power_pin %s: %s" % (power_pin, problem))
    try:
        opened = _start(settings, switch, hot, report)
        if opened is None:
            return None
        i2c, cam = opened
        try:
            try:
                found = cam.sensor_name
            except (AttributeError, RuntimeError, ValueError):
                found = "unknown"
            sensor.started(hot, found)
            try:
                return _take(cam, settings, report) if take else None
            finally:
                sensor.left_in(hot, _leave(i2c, cam, found, report))
        finally:
            cam.deinit()
            i2c.deinit()
    finally:
        if switch is not None:
            if sensor.switch(hot) == "ok":
                switch.off()
                sensor.left_in(hot, "off")
            switch.release()


def _open(settings):
    """The SCCB bus and the started camera; raises what busio or espcamera raise."""
    i2c = busio.I2C(board.CAM_SCL, board.CAM_SDA)
    try:
        cam = espcamera.Camera(
            data_pins=list(board.CAM_DATA),
            external_clock_pin=board.CAM_XCLK,
            pixel_clock_pin=board.CAM_PCLK,
            vsync_pin=board.CAM_VSYNC,
            href_pin=board.CAM_HREF,
            i2c=i2c,
            pixel_format=espcamera.PixelFormat.JPEG,
            frame_size=getattr(espcamera.FrameSize, settings["frame_size"]),
            jpeg_quality=settings["jpeg_quality"],
            framebuffer_count=1,
            grab_mode=espcamera.GrabMode.WHEN_EMPTY,
        )
    except BaseException:
        i2c.deinit()
        raise
    return i2c, cam


def _start(settings, switch, hot, report):
    """(i2c, cam), or None after counting and reporting the failure."""
    if switch is not None and sensor.switch(hot) == "":
        # Once per power-on: with the switch off nothing may answer, else it does not switch.
        try:
            opened = _open(settings)
        except Exception:  # noqa: BLE001 - any failure here means the power really is off
            sensor.switch_found(hot, True)
        else:
            sensor.switch_found(hot, False)
            report("camera_power", "the camera answers with camera_power_pin %s off: no load "
                   "switch on that pin? The sensor's own sleep state is used instead" % switch.name)
            return opened
    if switch is not None and sensor.switch(hot) == "ok":
        switch.on()
    try:
        return _open(settings)
    except Exception as problem:  # noqa: BLE001 - busio and espcamera raise several types
        first = problem
    if switch is not None and sensor.switch(hot) == "ok":
        switch.cycle()  # a power cycle frees a bus an OV2640 holds low
        try:
            return _open(settings)
        except Exception as problem:  # noqa: BLE001
            first = problem
    fails = sensor.failed(hot)
    report("camera", "%s: %s" % (type(first).__name__, first))
    held_low = isinstance(first, RuntimeError) and "pull up" in str(first)
    if fails >= LOCKED_AFTER and (held_low or sensor.sleeps_in(hot) == "standby"):
        report("camera_bus", "the camera's SCCB bus has failed %d starts in a row%s: the sensor "
               "holds it (an OV2640 after a standby write does) until its power is cut; "
               "disconnect the battery for a few seconds" % (
                   fails, " with SDA held low" if held_low else ""))
    return None


def _take(cam, settings, report):
    """The frame after the warm-up frames; a frame that does not fit the driver's buffer
    (width x height / 5 bytes) comes back as None, so it is taken again, coarser."""
    if settings["rotate"] == 180:
        cam.vflip = True
        cam.hmirror = True
    quality = settings["jpeg_quality"]
    for _ in range(settings["warmup_frames"]):
        if cam.take(1.0) is None:
            quality = _coarser(cam, quality)
    frame = cam.take(1.0)
    for _ in range(FRAME_RETRIES):
        if frame is not None:
            break
        quality = _coarser(cam, quality)
        frame = cam.take(1.0)
    if frame is None:
        raise CameraError("no frame within 1 s, down to jpeg_quality %d" % quality)
    if quality != settings["jpeg_quality"]:
        report("frame", "a JPEG at jpeg_quality %d did not fit the frame buffer (width x height "
               "/ 5 bytes): taken at %d; raise jpeg_quality or the frame size"
               % (settings["jpeg_quality"], quality))
    # JPEG frames are memoryviews into the frame buffer: copy out before deinit frees it.
    return bytes(frame)


def _coarser(cam, quality):
    coarser = min(MAX_QUALITY, quality + QUALITY_STEP)
    if coarser != quality:
        try:
            cam.quality = coarser
        except (AttributeError, ValueError):
            return quality
    return coarser


def _leave(i2c, cam, sensor, report):
    """Write the sensor's deep-sleep state while XCLK runs. Returns the state it is in."""
    state, writes = SLEEP_WRITES.get(sensor, ("deinit_only", ()))
    if not writes:
        return state
    locked = False
    try:
        for _ in range(100):
            locked = i2c.try_lock()
            if locked:
                break
        if not locked:
            raise OSError("the SCCB bus stayed locked")
        for data in writes:
            i2c.writeto(cam.address, data)
    except (OSError, RuntimeError, ValueError) as problem:
        report("camera_sleep", "%s %s not written: %s" % (sensor, state, problem))
        return "deinit_only"
    finally:
        if locked:
            i2c.unlock()
    return state


class Switch:
    """A load switch on the camera's 3.3 V: on while the pin drives low. Released, the pin is
    reset by CircuitPython and the switch's own pull-up keeps the camera off in deep sleep."""

    def __init__(self, name):
        import digitalio

        self.name = name
        self.pin = digitalio.DigitalInOut(getattr(board, name))

    def on(self):
        self.pin.switch_to_output(value=False)
        time.sleep(POWER_UP_S)

    def off(self):
        self.pin.switch_to_output(value=True)

    def cycle(self):
        self.off()
        time.sleep(POWER_CYCLE_S)
        self.on()

    def release(self):
        self.pin.deinit()
