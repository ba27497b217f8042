"""The OV2640 on the Sense board: one JPEG per wake, then the sensor to standby.

The Sense board cannot cut the camera's power, so what the sensor is left in decides most of
the deep-sleep current (docs/design.md, Power): after espcamera's deinit the OV2640 keeps drawing
about 20 mA; in standby (COM2 bit 4 over SCCB, its clock stopped) well under 1 mA.
"""

import board
import busio
import espcamera

OV2640 = 0x30
BANK_SELECT = 0xFF
SENSOR_BANK = 0x01
COM2 = 0x09
COM2_STANDBY = 0x10


def capture(settings):
    """A JPEG (bytes) taken with the [camera] settings; the sensor is in standby afterwards."""
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
        try:
            if settings["rotate"] == 180:
                cam.vflip = True
                cam.hmirror = True
            for _ in range(settings["warmup_frames"]):
                cam.take(1.0)
            frame = cam.take(1.0)
            if frame is None:
                raise RuntimeError("camera gave no frame within 1 s")
            # JPEG frames are memoryviews; copy out before deinit frees the frame buffer.
            jpeg = bytes(frame)  # type: ignore[arg-type]
        finally:
            cam.deinit()
            standby(i2c)
    finally:
        i2c.deinit()
    return jpeg


def standby(i2c):
    """Put the OV2640 in standby over SCCB (its clock already stopped by deinit)."""
    while not i2c.try_lock():
        pass
    try:
        i2c.writeto(OV2640, bytes((BANK_SELECT, SENSOR_BANK)))
        i2c.writeto(OV2640, bytes((COM2, COM2_STANDBY)))
    finally:
        i2c.unlock()
