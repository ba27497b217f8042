"""`busio`: I2C and SPI. The camera's SCCB bus reaches the sensor model (sim.hardware.Camera).

As ports/espressif/common-hal/busio/I2C.c (9.2.8, 10.0.3, 10.1.0): the constructor raises
RuntimeError when SDA or SCL reads low (CIRCUITPY_REQUIRE_I2C_PULLUPS); a transaction that is
not acknowledged raises OSError(ENODEV), one that times out OSError(ETIMEDOUT).
"""

import errno

from sim import circuitpython as _hw


class I2C:
    def __init__(self, scl, sda, *, frequency: int = 100000, timeout: int = 255) -> None:
        self.camera_bus = scl.gpio == 39 and sda.gpio == 40
        if self.camera_bus:
            _hw.device().camera.check_bus()  # an OV2640 in standby holds SDA low
        self._locked = False
        self._deinited = False

    def _check(self) -> None:
        if self._deinited:
            raise ValueError("Object has been deinitialized and can no longer be used. Create a new object.")
        if not self._locked:
            raise RuntimeError("Function requires lock")

    def try_lock(self) -> bool:
        if self._locked or self._deinited:
            return False
        self._locked = True
        return True

    def unlock(self) -> None:
        self._locked = False

    def _camera(self, address: int):
        camera = _hw.device().camera if self.camera_bus else None
        if camera is None or address != camera.address:
            raise OSError(errno.ENODEV, "ENODEV")
        return camera

    def scan(self) -> list:
        self._check()
        camera = _hw.device().camera if self.camera_bus else None
        return [camera.address] if camera is not None and camera.answers else []

    def writeto(self, address: int, buffer, *, start: int = 0, end=None) -> None:
        self._check()
        self._camera(address).sccb_write(bytes(buffer[start:end]))

    def readfrom_into(self, address: int, buffer, *, start: int = 0, end=None) -> None:
        self._check()
        camera = self._camera(address)
        end = len(buffer) if end is None else end
        for i in range(start, end):
            buffer[i] = camera.sccb_read()

    def writeto_then_readfrom(
        self, address, out_buffer, in_buffer, *, out_start=0, out_end=None, in_start=0, in_end=None
    ) -> None:
        self.writeto(address, out_buffer, start=out_start, end=out_end)
        self.readfrom_into(address, in_buffer, start=in_start, end=in_end)

    def deinit(self) -> None:
        self._locked = False
        self._deinited = True

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.deinit()


class SPI:
    def __init__(self, clock, MOSI=None, MISO=None, half_duplex: bool = False) -> None:
        self.pins = (clock, MOSI, MISO)

    def try_lock(self) -> bool:
        return True

    def unlock(self) -> None:
        pass

    def configure(self, **kwargs) -> None:
        pass

    def deinit(self) -> None:
        pass
