"""`os` on the board: files relative to CIRCUITPY, the card's size, settings.toml via getenv.

Paths are the board's: relative to the current directory `/` (the device folder), `/sd` the card.
Everything else of CPython's `os` stays reachable for CPython's own modules imported in a wake.
"""

import calendar
import os as _host_os
import stat as _host_stat
import time as _host_time
import zlib

from sim import circuitpython as _hw
from sim.circuitpython.errnos import EEXIST, EIO, ENOENT, EROFS, board_error

S_IFDIR = 0x4000  # MP_S_IFDIR, the only mode bits the board reports
S_IFREG = 0x8000
FAT_EPOCH = 315532800  # 1980-01-01, FAT's first date
FAT_END = 4354819198  # 2107-12-31 23:59:58, its last
FAT_ROOT_TIME = 946684800  # fat_vfs_stat of a volume's root: fdate 0x2821, 2000-01-01

sep = "/"


def _path(path) -> str:
    return _hw.device().host_path(path)


def getenv(key: str, default=None):
    """settings.toml read as shared-module/os/getenv.c reads it (9.2.8, 10.0.3, 10.1.0), at
    every call: the first line `key = value` before any `[table]`; a quoted value is a str
    (escapes \\b \\r \\n \\t \\v \\f \\uXXXX \\UXXXXXXXX, others stand for themselves), anything
    else is parsed as an integer (mp_parse_num_integer, base 0): a float, `true` or an
    unquoted word raises `ValueError: invalid syntax for integer with base 0`; a bad byte after
    a string `ValueError: Invalid byte '...'`. No file or no key: `default`."""
    if not isinstance(key, str):
        raise TypeError("can't convert %s to str implicitly" % type(key).__name__)
    try:
        with open(_hw.device().folder / "settings.toml", "rb") as handle:
            text = handle.read()
    except OSError:
        return default
    return settings_value(text, key, default)


def _invalid_byte(character: str):
    shown = "'EOF'" if character == "" else repr(character)
    return ValueError("Invalid byte %s" % shown)


def settings_value(text: bytes, key: str, default=None):
    """One key of a settings.toml's bytes, as getenv.c's line scanner finds it (see getenv)."""
    chars = text.decode("latin-1")  # byte by byte, as get_next_byte
    wanted = key.encode("utf-8").decode("latin-1")
    for line in chars.split("\n"):
        stripped = line.lstrip(" \t\r\f\v")
        if stripped.startswith("["):
            return default
        if not stripped.startswith(wanted):
            continue
        rest = stripped[len(wanted) :].lstrip(" \t\r\f\v")
        if not rest.startswith("="):
            continue
        value = rest[1:].lstrip(" \t\r\f\v")
        if value.startswith('"'):
            return _quoted(value[1:])
        bare = value.split("#", 1)[0]
        try:
            return int(bare.strip(" \t\r\f\v"), 0)
        except ValueError:
            raise ValueError("invalid syntax for integer with base 0") from None
    return default


def _quoted(value: str) -> str:
    """read_string_value: up to the closing quote, then only whitespace or a comment."""
    out = bytearray()
    index = 0
    while True:
        if index >= len(value):
            raise _invalid_byte("\n" if value is not None else "")
        character = value[index]
        index += 1
        if character == '"':
            tail = value[index:].lstrip(" \t\r\f\v")
            if tail and not tail.startswith("#"):
                raise _invalid_byte(tail[0])
            return out.decode("utf-8", "replace")
        if character == "\\":
            if index >= len(value):
                raise _invalid_byte("\n")
            character = value[index]
            index += 1
            if character in "uU":
                size = 4 if character == "u" else 8
                digits = value[index : index + size]
                index += size
                try:
                    code = (
                        int(digits, 16)
                        if len(digits) == size and all(c in "0123456789abcdefABCDEF" for c in digits)
                        else None
                    )
                except ValueError:
                    code = None
                if code is None:
                    bad = next((c for c in digits if c not in "0123456789abcdefABCDEF"), "")
                    raise _invalid_byte(bad)
                if code >= 0x110000:
                    raise ValueError("Invalid unicode escape")
                out += chr(code).encode("utf-8", "surrogatepass")
                continue
            character = {"b": "\b", "r": "\r", "n": "\n", "t": "\t", "v": "\v", "f": "\f"}.get(
                character, character
            )
        out += character.encode("latin-1")


def _path_str(path) -> str:
    """mp_obj_str_get_str: a str or bytes, else `TypeError: can't convert 'int' object to str
    implicitly` (py/objstr.c)."""
    if isinstance(path, bytes):
        return path.decode()
    if not isinstance(path, str):
        raise TypeError("can't convert '%s' object to str implicitly" % type(path).__name__)
    return path


def _board_oserror(error: OSError) -> OSError:
    """FatFs's FRESULT as fresult_to_errno_table (extmod/vfs_fat_file.c) makes it: a plain
    OSError; FR_NO_FILE and FR_NO_PATH (a missing folder, or a file where a folder is wanted)
    are both ENOENT."""
    number = error.errno or EIO
    if isinstance(error, (FileNotFoundError, NotADirectoryError)):
        number = ENOENT
    return board_error(number)


def _unmounted_card(host: str) -> bool:
    """With the card not mounted, /sd is CIRCUITPY's empty mount-point folder."""
    device = _hw.device()
    return device.on_card(host) and not device.card.mounted


def _fat_seconds(epoch: float) -> int:
    """A FAT timestamp (local date, 2-second steps, 1980..2107) read back as fat_vfs_stat does."""
    t = _host_time.gmtime(max(FAT_EPOCH, min(int(epoch), FAT_END)))
    return calendar.timegm((t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2))


_slot_order: dict[str, tuple[int, str]] = {}  # a name's place in the fake's directory order


def _in_slot_order(names: list[str]) -> list[str]:
    """The names in the fake's directory order (by CRC-32, then name); a card lists the same
    names at every wake, so each name's key is computed once."""
    for name in names:
        if name not in _slot_order:
            _slot_order[name] = (zlib.crc32(name.encode()), name)
    return sorted(names, key=_slot_order.__getitem__)


def listdir(path=".") -> list:
    """common_hal_os_listdir over fat_vfs_ilistdir: the names (str) in directory order -- FatFs
    lists slots as they lie, not sorted. The fake lists in a fixed order by the names' CRC, so
    code that assumes a sorted listing fails here as it would there. Missing: ENOENT. On the
    card, listing reads every entry of the folder (and its "." and "..") in whole sectors."""
    host = _path(_path_str(path))
    device = _hw.device()
    if _unmounted_card(host):
        if host == str(device.sd):
            return []
        raise board_error(ENOENT)
    try:
        names = _host_os.listdir(host)
    except OSError as error:
        raise _board_oserror(error) from None
    if device.on_card(host):
        device.charge_card_read(device.card_folder_bytes(host, names))
    return _in_slot_order(names)


def stat(path):
    """fat_vfs_stat (extmod/vfs_fat.c): a 10-tuple (mode, 0, 0, 0, 0, 0, size, t, t, t): mode
    only S_IFDIR 0x4000 or S_IFREG 0x8000, t the FAT time in 2-second steps (the root of a
    volume: 2000-01-01); missing: OSError ENOENT."""
    host = _path(_path_str(path))
    device = _hw.device()
    unmounted = _unmounted_card(host)
    if host == str(device.folder) or (host == str(device.sd) and not unmounted):
        return (S_IFDIR, 0, 0, 0, 0, 0, 0, FAT_ROOT_TIME, FAT_ROOT_TIME, FAT_ROOT_TIME)
    if unmounted and host != str(device.sd):  # only CIRCUITPY's empty /sd folder is there
        raise board_error(ENOENT)
    if not unmounted and device.on_card(host):
        device.charge_card_lookup(host)
    try:
        info = _host_os.stat(host)
    except OSError as error:
        raise _board_oserror(error) from None
    folder = _host_stat.S_ISDIR(info.st_mode)
    when = _fat_seconds(info.st_mtime)
    return (S_IFDIR if folder else S_IFREG, 0, 0, 0, 0, 0, 0 if folder else info.st_size, when, when, when)


def statvfs(path: str):
    return _hw.device().statvfs(_path(path))


def mkdir(path) -> None:
    """common_hal_os_mkdir, fat_vfs_mkdir: a volume's root is EEXIST; a read-only volume
    (CIRCUITPY, to code.py) EROFS even for a folder that exists; then f_mkdir: EEXIST for an
    existing name, ENOENT for a missing parent."""
    host = _path(_path_str(path))
    device = _hw.device()
    if host == str(device.folder) or (host == str(device.sd) and device.card.mounted):
        raise board_error(EEXIST)
    if _unmounted_card(host) or not device.on_card(host):  # CIRCUITPY, its /sd folder too
        if device.drive_readonly:
            raise board_error(EROFS)
        if _unmounted_card(host):
            raise board_error(ENOENT)
    if device.on_card(host):
        device.charge_card_lookup(host, create=True)
    try:
        _host_os.mkdir(host)
    except OSError as error:
        raise _board_oserror(error) from None
    device.card_folder_changed(host)


def rmdir(path: str) -> None:
    host = _path(path)
    _host_os.rmdir(host)
    _hw.device().card_folder_changed(host)


def remove(path: str) -> None:
    _hw.device().remove_file(_path(path))


unlink = remove


def rename(old: str, new: str) -> None:
    _hw.device().rename_file(_path(old), _path(new))


def sync() -> None:
    pass


def getcwd() -> str:
    return "/"


def chdir(path: str) -> None:
    if path not in ("/", "."):
        raise OSError(1, "the simulator keeps the current directory at /")


def urandom(size: int) -> bytes:
    return _hw.device().rng.randbytes(size)


class _Uname(tuple):
    """shared-bindings/os/__init__.c: an attrtuple, readable by index or by field name."""

    _fields = ("sysname", "nodename", "release", "version", "machine")

    def __getattr__(self, name: str):
        if name in self._fields:
            return self[self._fields.index(name)]
        raise AttributeError(name)


def uname():
    release = _hw.device().version.name  # the CircuitPython release the board runs
    return _Uname(
        (
            "ESP32S3",
            "ESP32S3",
            release,
            release + " on 2025-04-01",
            "Seeed Studio XIAO ESP32S3 Sense with ESP32S3",
        )
    )


def __getattr__(name):
    return getattr(_host_os, name)
