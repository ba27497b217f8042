"""`busio`: I2C and SPI. The camera's SCCB bus reaches a model of the OV2640's registers."""

from sim import circuitpython as _hw

OV2640_ADDRESS = 0x30


class I2C:
    def __init__(self, scl, sda, *, frequency: int = 100000, timeout: int = 255) -> None:
        self.camera_bus = scl.gpio == 39 and sda.gpio == 40
        self._locked = False

    def try_lock(self) -> bool:
        if self._locked:
            return False
        self._locked = True
        return True

    def unlock(self) -> None:
        self._locked = False

    def scan(self) -> list:
        return [OV2640_ADDRESS] if self.camera_bus else []

    def writeto(self, address: int, buffer, *, start: int = 0, end=None) -> None:
        data = bytes(buffer[start:end])
        if not (self.camera_bus and address == OV2640_ADDRESS):
            raise OSError(19, "No I2C device at address: 0x%x" % address)
        _hw.device().camera.sccb_write(data)

    def readfrom_into(self, address: int, buffer, *, start: int = 0, end=None) -> None:
        if not (self.camera_bus and address == OV2640_ADDRESS):
            raise OSError(19, "No I2C device at address: 0x%x" % address)
        end = len(buffer) if end is None else end
        for i in range(start, end):
            buffer[i] = _hw.device().camera.sccb_read()

    def writeto_then_readfrom(self, address, out_buffer, in_buffer, **kwargs) -> None:
        self.writeto(address, out_buffer)
        self.readfrom_into(address, in_buffer)

    def deinit(self) -> None:
        self._locked = False

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
