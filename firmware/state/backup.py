"""The durable record's copy on the card, for when NVM loses it (state/README.md).

NVM on the ESP32-S3 is one blob that every write erases before rewriting it whole, so a power
cut inside an NVM write empties it. The copy is written to the card first, into one of two
files picked by the record's write counter, so the file holding the previous record is never
touched while the next one is written: a cut at any instant leaves the previous record intact
on the card or in NVM. Two files, not a temporary file and a rename: on FAT, os.rename onto an
existing name removes it first (extmod/vfs_fat.c); a cut between leaves only the temporary
file, and the next write would truncate it.
"""

if False:  # for type checkers only: the board compiles nothing for it
    from collections.abc import Callable

FILES = ("/state0.bin", "/state1.bin")  # in the card's folder, given by the caller


def write(folder: str, data: bytes, nvm_seq: int, makedirs: "Callable[[str], None]") -> None:
    """Write the copy with write counter `nvm_seq` into `folder` (the card is mounted), making
    the folder with `makedirs` on a new card."""
    path = folder + FILES[nvm_seq % 2]
    try:
        handle = open(path, "wb")
    except OSError:
        makedirs(folder)  # a new card
        handle = open(path, "wb")
    try:
        handle.write(data)
        handle.flush()
    finally:
        handle.close()


def read(folder: str) -> list:
    """The bytes of each copy in `folder` on the card (mounted); missing files are skipped."""
    found = []
    for name in FILES:
        try:
            with open(folder + name, "rb") as handle:
                found.append(handle.read())
        except OSError:
            pass
    return found
