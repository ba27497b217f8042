"""`busio`: I2C and SPI. The camera's SCCB bus reaches a model of the OV2640's registers, as
sim/hardware.py's Camera has it (bank select, COM7 soft reset, COM2 standby): what the firmware left
the sensor in decides the deep-sleep current."""

import _board

OV2640_ADDRESS = 0x30


class I2C:
    def __init__(self, scl, sda, *, frequency=100000, timeout=255):
        self.camera_bus = scl.gpio == 39 and sda.gpio == 40
        self._locked = False

    def try_lock(self):
        if self._locked:
            return False
        self._locked = True
        return True

    def unlock(self):
        self._locked = False

    def scan(self):
        return [OV2640_ADDRESS] if self.camera_bus else []

    def writeto(self, address, buffer, *, start=0, end=None):
        data = bytes(buffer[start:end])
        if not (self.camera_bus and address == OV2640_ADDRESS):
            raise OSError(19)  # ENODEV: No I2C device at address
        _board.spend(0.0025)  # half of the profile's standby_s per write
        _board.sccb_write(data)

    def readfrom_into(self, address, buffer, *, start=0, end=None):
        if not (self.camera_bus and address == OV2640_ADDRESS):
            raise OSError(19)
        for i in range(start, len(buffer) if end is None else end):
            buffer[i] = _board.sccb_read()

    def writeto_then_readfrom(self, address, out_buffer, in_buffer, **kwargs):
        self.writeto(address, out_buffer)
        self.readfrom_into(address, in_buffer)

    def deinit(self):
        self._locked = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.deinit()


class SPI:
    def __init__(self, clock, MOSI=None, MISO=None, half_duplex=False):
        self.pins = (clock, MOSI, MISO)

    def try_lock(self):
        return True

    def unlock(self):
        pass

    def configure(self, **kwargs):
        pass

    def deinit(self):
        pass
