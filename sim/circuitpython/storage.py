"""`storage`: mounting the card at /sd, and the CIRCUITPY drive's USB policy."""

from sim import circuitpython as _hw


class VfsFat:
    def __init__(self, block_device) -> None:
        self.block_device = block_device
        self.label = "SDCARD"


_mounts: dict = {}


def mount(filesystem, mount_path: str, *, readonly: bool = False) -> None:
    if mount_path.rstrip("/") != "/sd":
        raise OSError(22, "the simulated board mounts its card at /sd")
    board = _hw.device()
    board.spend("card", board.profile["sd"]["mount_s"], board.awake_mA())
    board.card.mount()
    _mounts["/sd"] = filesystem


def umount(mount) -> None:
    _mounts.pop("/sd", None)
    _hw.device().card.unmount()


def getmount(mount_path: str):
    if mount_path.rstrip("/") in _mounts:
        return _mounts[mount_path.rstrip("/")]
    raise OSError(22, "no mount at %s" % mount_path)


def remount(mount_path: str, readonly: bool = False, *, disable_concurrent_write_protection=False) -> None:
    _hw.device().drive_readonly = readonly


def disable_usb_drive() -> None:
    _hw.device().usb_drive = False


def enable_usb_drive() -> None:
    _hw.device().usb_drive = True


def erase_filesystem() -> None:
    raise OSError(1, "not on a field camera")
