"""The errno numbers the ESP32 port's OSErrors carry, and the OSError the board raises.

CircuitPython builds with MICROPY_USE_INTERNAL_ERRNO 0 (py/mpconfig.h), so MP_Exxx is the
toolchain's Exxx: newlib's sys/errno.h, which ESP-IDF and its lwIP use. Some differ from the
host's: ETIMEDOUT is 116 on the board, 110 on Linux; ENOTCONN 128 and 107; EHOSTUNREACH 118
and 113. The `errno` module a firmware imports is `errno_`, built from `NAMES` below.
"""

# py/moderrno.c MICROPY_PY_ERRNO_LIST (9.2.8, 10.0.3, 10.1.0; the espressif port keeps the
# default list): the only names `errno` has on the board, with newlib's numbers.
NAMES = {
    "EPERM": 1,
    "ENOENT": 2,
    "EIO": 5,
    "EBADF": 9,
    "EAGAIN": 11,
    "ENOMEM": 12,
    "EACCES": 13,
    "EEXIST": 17,
    "ENODEV": 19,
    "EISDIR": 21,
    "EINVAL": 22,
    "ENOSPC": 28,
    "EROFS": 30,
    "EOPNOTSUPP": 95,
    "EADDRINUSE": 112,
    "ECONNABORTED": 113,
    "ECONNRESET": 104,
    "ENOBUFS": 105,
    "ENOTCONN": 128,
    "ETIMEDOUT": 116,
    "ECONNREFUSED": 111,
    "EHOSTUNREACH": 118,
    "EALREADY": 120,
    "EINPROGRESS": 119,
}

EPERM = 1
ENOENT = 2
EIO = 5
EBADF = 9
EAGAIN = 11
EEXIST = 17
EINVAL = 22
EROFS = 30
EPIPE = 32  # not in the board's `errno` module, but lwIP's send() can still return it
ECONNRESET = 104
ETIMEDOUT = 116
ENOTCONN = 128

# py/moderrno.c mp_common_errno_to_str: these print as words, every other known number as its
# name ("[Errno 116] ETIMEDOUT"), an unknown one as the bare number.
_WORDS = {
    EPERM: "Operation not permitted",
    ENOENT: "No such file/directory",
    5: "Input/output error",
    13: "Permission denied",
    EEXIST: "File exists",
    19: "No such device",
    EINVAL: "Invalid argument",
    28: "No space left on device",
    EROFS: "Read-only filesystem",
}
_BY_NUMBER = {number: name for name, number in NAMES.items()}


def board_error(number: int, name: str | None = None) -> OSError:
    """The OSError of mp_raise_OSError(number): args is `(number,)`, `errno` the number and
    str() "[Errno 2] No such file/directory" or "[Errno 116] ETIMEDOUT" (py/objexcept.c), a
    number `errno` has no name for as the bare number ("32"). No subclass: FileNotFoundError
    and friends do not exist on the board. `name` is for the reader of the call only."""
    error = OSError(number)
    error.errno = number
    text = _WORDS.get(number) or _BY_NUMBER.get(number)
    if text is not None:
        error.strerror = text
    return error
