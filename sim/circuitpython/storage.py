"""`storage`: mounting the card at /sd, and the CIRCUITPY drive's USB policy.

What shared-bindings/storage/__init__.c and shared-module/storage/__init__.c check (9.2.8,
10.0.3, 10.1.0): `mount` takes a VfsFat only, needs a directory on CIRCUITPY as its mount point
(RuntimeError "Mount point directory missing"; CircuitPython makes /sd when it formats the drive,
supervisor/shared/filesystem.c) and refuses a mount point in use (OSError EPERM); `umount`,
`getmount` and `remount` of a path that is not a mount point raise OSError EINVAL.
"""

import errno
import os as _host_os

from sim import circuitpython as _hw


class VfsFat:
    def __init__(self, block_device) -> None:
        self.block_device = block_device
        self.label = "SDCARD"


_mounts: dict = {}


def _absolute(path: str) -> str:
    """common_hal_os_path_abspath, the working directory being /."""
    path = "/" + path.strip("/") if path not in ("", "/") else "/"
    return path


def mount(filesystem, mount_path: str, *, readonly: bool = False) -> None:
    if not isinstance(filesystem, VfsFat):
        raise TypeError("filesystem must be of type VfsFat, not %s" % type(filesystem).__name__)
    path = _absolute(mount_path)
    board = _hw.device()
    if path != "/" and not _host_os.path.isdir(board.host_path(path)):
        raise RuntimeError("Mount point directory missing")
    if path in _mounts:
        raise OSError(errno.EPERM, "EPERM")
    if path != "/sd":
        raise OSError(errno.EINVAL, "the simulated board mounts its card at /sd only")
    board.spend("card", board.profile["sd"]["mount_s"], board.awake_mA())
    board.card.mount()
    _mounts[path] = filesystem


def umount(mount) -> None:
    if isinstance(mount, str):
        path = _absolute(mount)
        if path not in _mounts:
            raise OSError(errno.EINVAL, "EINVAL")
    else:
        found = [p for p, fs in _mounts.items() if fs is mount]
        if not found:
            raise OSError(errno.EINVAL, "EINVAL")
        path = found[0]
    del _mounts[path]
    _hw.device().card.unmount()


def getmount(mount_path: str):
    path = _absolute(mount_path)
    if path in _mounts:
        return _mounts[path]
    raise OSError(errno.EINVAL, "EINVAL")


def remount(mount_path: str, readonly: bool = False, *, disable_concurrent_write_protection=False) -> None:
    path = _absolute(mount_path)
    if path != "/" and path not in _mounts:
        raise OSError(errno.EINVAL, "EINVAL")
    if path == "/":  # the card's write policy towards USB is not modelled
        _hw.device().drive_readonly = readonly


def disable_usb_drive() -> None:
    _hw.device().usb_drive = False


def enable_usb_drive() -> None:
    _hw.device().usb_drive = True


def erase_filesystem() -> None:
    raise OSError(1, "not on a field camera")
