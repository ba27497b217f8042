"""`os` as on the board, over MicroPython's real VFS (so paths resolve through its mount table).

Shimmed where MicroPython differs: getenv reads settings.toml (supervisor/shared/settings.c:
strings and integers only), statvfs answers for the card and CIRCUITPY (WASI has no statvfs),
rename refuses an existing target as FAT does (MicroPython's VfsPosix would replace it).

MicroPython's VfsPosix.rename builds both paths in one buffer when the VFS has a root
(extmod/vfs_posix.c, vfs_posix_get_path_str), so it renames the target onto itself and fails
with ENOENT: after MicroPython's own checks (read-only, missing source), the host moves it."""

import _board
import _mp_os

sep = "/"
listdir = _mp_os.listdir
stat = _mp_os.stat
mkdir = _mp_os.mkdir
rmdir = _mp_os.rmdir
remove = _mp_os.remove
unlink = _mp_os.remove
getcwd = _mp_os.getcwd
chdir = _mp_os.chdir
urandom = _mp_os.urandom


def rename(old, new):
    try:
        _mp_os.stat(new)
    except OSError:
        _mp_os.stat(old)  # ENOENT when the source is missing
        try:
            return _mp_os.rename(old, new)
        except OSError as problem:
            if problem.errno != 44:  # WASI's ENOENT: the VfsPosix bug above, not ours
                raise
        _board.call("rename", old=_abs(old), new=_abs(new))
        return None
    raise OSError(17)  # EEXIST: FatFs f_rename refuses an existing target (FR_EXIST)


def sync():
    pass


def uname():
    version = _board.S["version"]
    return ("ESP32S3", "ESP32S3", version, version + " on 2025-01-01",
            "Seeed Studio XIAO ESP32S3 Sense with ESP32S3")


def _abs(path):
    if not path.startswith("/"):
        path = _mp_os.getcwd().rstrip("/") + "/" + path
    return path.rstrip("/") or "/"


def statvfs(path):
    """(bsize, frsize, blocks, bfree, bavail, files, ffree, favail, flag, namemax)."""
    path = _abs(path)
    if path == "/sd" or path.startswith("/sd/"):
        if not _board.card_mounted:
            raise OSError(19)  # ENODEV
        card = _board.call("card_usage")
        block = 32768
        free = (card["capacity"] - card["used"]) // block
        return (block, block, card["capacity"] // block, free, free, 0, 0, 0, 0, 255)
    return (1024, 1024, 6 * 1024, 3 * 1024, 3 * 1024, 0, 0, 0, 0, 255)


_settings = None


def _parse_settings():
    """Top-level `KEY = "string"` and `KEY = integer` lines of /settings.toml."""
    values = {}
    try:
        with open("/settings.toml") as handle:
            text = handle.read()
    except OSError:
        return values
    for line in text.split("\n"):
        line = line.strip()
        if line.startswith("["):
            break  # only the top level counts
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if value.startswith('"'):
            end = value.find('"', 1)
            while end > 0 and value[end - 1] == "\\":
                end = value.find('"', end + 1)
            if end > 0:
                values[key] = value[1:end].replace('\\"', '"').replace("\\\\", "\\").replace("\\n", "\n")
        else:
            value = value.split("#")[0].strip()
            try:
                values[key] = int(value, 0) if value[:2] in ("0x", "0X") else int(value)
            except ValueError:
                pass  # settings.c prints an error and returns the default
    return values


def getenv(key, default=None):
    global _settings
    if _settings is None:
        _settings = _parse_settings()
    return _settings.get(key, default)
