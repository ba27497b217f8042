"""`sdcardio`: the microSD card on SPI. A missing card fails as on the board.

shared-bindings/sdcardio/SDCard.c (9.2.8, 10.0.3, 10.1.0): `SDCard(spi, cs, baudrate=8000000)`,
`spi` a busio.SPI (`TypeError: spi must be of type SPI, not ...`), `cs` a Pin, `baudrate` an int;
shared-module/sdcardio/SDCard.c raises `OSError: no SD card` (a message, no errno) when nothing
answers.
"""

from sim import circuitpython as _hw
from sim.circuitpython.microcontroller import Pin, _int


class SDCard:
    def __init__(self, spi, cs, baudrate: int = 8000000) -> None:
        from sim.circuitpython.busio import SPI

        if not isinstance(spi, SPI):
            raise TypeError("spi must be of type SPI, not %s" % type(spi).__name__)
        if not isinstance(cs, Pin):
            raise TypeError("cs must be of type Pin, not %s" % type(cs).__name__)
        self.baudrate = _int(baudrate)
        self._card = _hw.device().card
        self._card.detect()

    @property
    def count(self) -> int:
        return self._card.capacity // 512

    def deinit(self) -> None:
        pass
