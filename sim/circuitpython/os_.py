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
    return _hw.device().settings.get(key, default)


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
