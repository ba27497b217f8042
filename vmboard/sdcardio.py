"""`sdcardio`: the microSD card on SPI; a missing card fails as sim/hardware.py's Card does."""

import errno

import _board


class SDCard:
    def __init__(self, spi, cs, baudrate=8000000):
        answer = _board.call("card_detect")
        if not answer.get("present"):
            raise OSError(errno.ETIMEDOUT)  # "no SD card" after the init timeout
        self.count = answer["capacity"] // 512

    def deinit(self):
        pass
