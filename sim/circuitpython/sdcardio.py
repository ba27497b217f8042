"""`sdcardio`: the microSD card on SPI. A missing card fails as on the board."""

from sim import circuitpython as _hw


class SDCard:
    def __init__(self, spi, cs, baudrate: int = 8000000) -> None:
        self._card = _hw.device().card
        self._card.detect()

    @property
    def count(self) -> int:
        return self._card.capacity // 512

    def deinit(self) -> None:
        pass
