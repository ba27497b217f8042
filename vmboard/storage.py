"""`storage`: mounting the card, in MicroPython's own VFS mount table (shared-module/storage:
the mount point must be a directory, a used one is refused). The card is a VfsPosix over the
host's card folder: this VM build has no VfsFat."""

import _board
import _mp_os
import vfs


class VfsFat:
    def __init__(self, block_device):
        self.block_device = block_device
        self.label = "SDCARD"


_mounts = {}


def _abs(path):
    if not path.startswith("/"):
        path = _mp_os.getcwd().rstrip("/") + "/" + path
    return path.rstrip("/") or "/"


def mount(filesystem, mount_path, *, readonly=False):
    path = _abs(mount_path)
    if path != "/":
        try:
            is_dir = _mp_os.stat(path)[0] & 0x4000
        except OSError:
            is_dir = False
        if not is_dir:
            raise RuntimeError("Mount point directory missing")
    if path in _mounts:
        raise OSError(1)  # EPERM: mount point in use
    if not isinstance(filesystem, VfsFat):
        raise TypeError("filesystem must be a VfsFat")
    _board.call("card_mount")
    vfs.mount(vfs.VfsPosix("/card"), path, readonly=readonly)
    _mounts[path] = filesystem
    _board.card_mounted = True


def umount(mount):
    for path, filesystem in list(_mounts.items()):
        if mount in (path, filesystem) or (isinstance(mount, str) and _abs(mount) == path):
            vfs.umount(path)
            del _mounts[path]
            _board.card_mounted = False
            return
    raise OSError(22)  # EINVAL


def getmount(mount_path):
    path = _abs(mount_path)
    if path in _mounts:
        return _mounts[path]
    raise OSError(22)


def remount(mount_path, readonly=False, *, disable_concurrent_write_protection=False):
    """CIRCUITPY writable or not for the firmware (boot.py's choice)."""
    if _abs(mount_path) != "/":
        raise OSError(22)
    vfs.umount("/")
    vfs.mount(vfs.VfsPosix("/circuitpy"), "/", readonly=readonly)


def disable_usb_drive():
    pass


def enable_usb_drive():
    pass


def erase_filesystem():
    raise OSError(1)
