"""`os` on the board: files relative to CIRCUITPY, the card's size, settings.toml via getenv.

Paths are the board's: relative to the current directory `/` (the device folder), `/sd` the card.
Everything else of CPython's `os` stays reachable for CPython's own modules imported in a wake.
"""

import os as _host_os

from sim import circuitpython as _hw

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
        rest = stripped[len(wanted):].lstrip(" \t\r\f\v")
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
                digits = value[index:index + size]
                index += size
                try:
                    code = int(digits, 16) if len(digits) == size and all(
                        c in "0123456789abcdefABCDEF" for c in digits) else None
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
                character, character)
        out += character.encode("latin-1")


def listdir(path: str = ".") -> list:
    return sorted(_host_os.listdir(_path(path)))


def stat(path: str):
    s = _host_os.stat(_path(path))
    return (s.st_mode, s.st_ino, 0, s.st_nlink, 0, 0, s.st_size, int(s.st_atime), int(s.st_mtime), int(s.st_ctime))


def statvfs(path: str):
    return _hw.device().statvfs(_path(path))


def mkdir(path: str) -> None:
    _hw.device().check_card_path(_path(path))
    _host_os.mkdir(_path(path))


def rmdir(path: str) -> None:
    _host_os.rmdir(_path(path))


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
    return _Uname(("ESP32S3", "ESP32S3", release, release + " on 2025-04-01",
                   "Seeed Studio XIAO ESP32S3 Sense with ESP32S3"))


def __getattr__(name):
    return getattr(_host_os, name)
