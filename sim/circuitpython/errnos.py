"""The errno numbers the ESP32 port's OSErrors carry (newlib's sys/errno.h, which ESP-IDF uses),
for the fakes to raise. Some differ from the host's: ETIMEDOUT is 116 on the board, 110 on
Linux; ENOTCONN 128 and 107. Not a board module (the firmware's `errno` is not faked)."""

EBADF = 9
EAGAIN = 11
EPIPE = 32
ECONNRESET = 104
ETIMEDOUT = 116
ENOTCONN = 128


def board_error(number: int, name: str) -> OSError:
    """The OSError the board raises: str() reads "[Errno 116] ETIMEDOUT" there as here."""
    return OSError(number, name)
