"""The photos on the microSD card, and the upload queue as a range of sequence numbers.

Images live in sd/timelapse/NNN/H/ (NNN = seq // 1000, H its hundreds digit) as
ID_SEQ_YYYYMMDDTHHMMSS.jpg (local time), or ID_SEQ.jpg while the clock is unknown. No folder
holds more than 100: FatFs reads a folder's entries over SPI to find a name, and 7 times to
write a photo as a .tmp name and rename it (0.2 s for 100 long names, 2.2 s for 1000). The
rename means a power cut never leaves a half photo under a final name. Cards of 0.3.0 keep
photos in sd/timelapse/NNN/: they are still found there. The queue is (uploaded, seq]: a
capture-only wake lists no directory, and an upload wake lists each folder it reads once.
"""

import os

ROOT = "sd/timelapse"
MOUNT = "/sd"
MAINTENANCE_FILE = "maintenance"  # create it on CIRCUITPY (USB attached) for maintenance mode


def mount() -> None:
    """Mount the card at /sd; OSError when it is missing or unreadable."""
    import board
    import sdcardio
    import storage

    card = sdcardio.SDCard(board.SPI(), board.SDCS)
    storage.mount(storage.VfsFat(card), MOUNT)


def folder(seq: int) -> str:
    return "%s/%03d/%d" % (ROOT, seq // 1000, seq // 100 % 10)


def _flat_folder(seq: int) -> str:
    """Where 0.3.0 wrote photo `seq`: up to 1000 photos in one folder."""
    return "%s/%03d" % (ROOT, seq // 1000)


def image_name(cam_id: str, seq: int, stamp: "str | None") -> str:
    if stamp:
        return "%s_%06d_%s.jpg" % (cam_id, seq, stamp)
    return "%s_%06d.jpg" % (cam_id, seq)


def seq_of(name: str) -> int:
    """The sequence number in an image's file name, or -1 when it is not one of ours. Read
    from the right: the camera id may itself contain '_'."""
    if not name.endswith(".jpg"):
        return -1
    parts = name[:-4].split("_")
    if len(parts) >= 3 and len(parts[-1]) == 15 and parts[-1][8] == "T":
        parts.pop()  # the capture time
    digits = parts[-1] if len(parts) >= 2 else ""
    return int(digits) if len(digits) >= 6 and digits.isdigit() else -1


def makedirs(path: str) -> None:
    """Every folder of `path`, relative or absolute (the leading "/" kept)."""
    parts = path.split("/")
    for end in range(1, len(parts) + 1):
        built = "/".join(parts[:end])
        if not built:
            continue  # the empty name before an absolute path's "/"
        try:
            os.mkdir(built)
        except OSError:
            pass  # exists


def write_image(cam_id: str, seq: int, stamp: "str | None", jpeg: bytes) -> str:
    """Store a photo atomically; returns its path."""
    where = folder(seq)
    path = where + "/" + image_name(cam_id, seq, stamp)
    temporary = path + ".tmp"
    try:
        handle = open(temporary, "wb")
    except OSError:
        makedirs(where)
        handle = open(temporary, "wb")
    try:
        try:
            handle.write(jpeg)
            handle.flush()
        finally:
            handle.close()
    except OSError:
        os.remove(temporary)  # a full card keeps no half photo
        raise
    os.rename(temporary, path)
    _noted(where, seq, image_name(cam_id, seq, stamp))
    return path


def restamp(cam_id: str, seq: int, old: str, new: str) -> None:
    """Rename photo `seq` from capture time stamp `old` to `new` (a sync corrected the time)."""
    where = folder(seq)
    os.rename(where + "/" + image_name(cam_id, seq, old), where + "/" + image_name(cam_id, seq, new))
    _noted(where, seq, image_name(cam_id, seq, new))


def free_kb() -> int:
    stats = os.statvfs(MOUNT)
    return stats[0] * stats[4] // 1024


# This wake's listings: folder -> {seq: file name}, kept true by write_image, restamp and
# delete. A wake is a fresh VM, so nothing here outlives it (a card swapped in sleep is listed anew).
_listed = {}  # type: dict[str, dict[int, str]]


def _names(where: str) -> dict:
    names = _listed.get(where)
    if names is None:
        names = {}
        try:
            entries = os.listdir(where)
        except OSError:
            entries = []
        for name in entries:
            seq = seq_of(name)
            if seq >= 0 and seq not in names:
                names[seq] = name
        _listed[where] = names
    return names


def _noted(where: str, seq: int, name: "str | None") -> None:
    """Keep this wake's listing of `where` true after it wrote, renamed or removed `seq`."""
    names = _listed.get(where)
    if names is None:
        return
    if name is None:
        names.pop(seq, None)
    else:
        names[seq] = name


def find(seq: int) -> "str | None":
    """The path of photo `seq`, or None. Lists its folder (and, for a photo not there, 0.3.0's
    folder) at the first call of a wake: for upload and clean-up wakes only."""
    for where in (folder(seq), _flat_folder(seq)):
        name = _names(where).get(seq)
        if name is not None:
            return where + "/" + name
    return None


def delete(seq: int) -> int:
    path = find(seq)
    if path:
        size = os.stat(path)[6]
        os.remove(path)
        _noted(path[: path.rfind("/")], seq, None)
        return size // 1024
    return 0


def recover() -> tuple:
    """After a power loss: (highest, lowest) sequence on the card, stale .tmp files removed.

    Power-on boots are rare, so listing the card here is affordable; normal wakes never do.
    Only the first and the last thousand bound the range; each may hold photos of 0.3.0 and
    folders of a hundred.
    """
    try:
        thousands = sorted(n for n in os.listdir(ROOT) if n.isdigit())
    except OSError:
        return 0, 1
    highest, lowest = 0, 0
    for index, name in enumerate(thousands):
        if 0 < index < len(thousands) - 1:
            continue
        top = ROOT + "/" + name
        entries = os.listdir(top)
        for where in [top] + [top + "/" + sub for sub in entries if sub.isdigit()]:
            for entry in entries if where == top else os.listdir(where):
                if entry.endswith(".tmp"):
                    os.remove(where + "/" + entry)
                    continue
                seq = seq_of(entry)
                if seq > 0:
                    highest = max(highest, seq)
                    lowest = seq if lowest == 0 else min(lowest, seq)
    return highest, max(1, lowest)


def exists(path: str) -> bool:
    try:
        os.stat(path)
        return True
    except OSError:
        return False
