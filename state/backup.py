"""The durable record's copy on the card, for when NVM loses it (state/README.md).

NVM on the ESP32-S3 is one blob that every write erases before rewriting it whole, so a power
cut inside an NVM write empties it. The copy is written to the card first, into one of two
files picked by the record's write counter, so the file holding the previous record is never
touched while the next one is written: a cut at any instant leaves the previous record intact
on the card or in NVM. Two files, not a temporary file and a rename: on FAT, os.rename onto an
existing name removes it first (extmod/vfs_fat.c); a cut between leaves only the temporary
file, and the next write would truncate it.
"""

from timelapse import spool

FILES = (spool.ROOT + "/state0.bin", spool.ROOT + "/state1.bin")


def write(data, nvm_seq):
    """Write the copy with write counter `nvm_seq` (the card is mounted)."""
    path = FILES[nvm_seq % 2]
    try:
        handle = open(path, "wb")
    except OSError:
        spool.makedirs(spool.ROOT)  # a new card
        handle = open(path, "wb")
    try:
        handle.write(data)
        handle.flush()
    finally:
        handle.close()


def read():
    """The bytes of each copy on the card (the card is mounted); missing files are skipped."""
    found = []
    for path in FILES:
        try:
            with open(path, "rb") as handle:
                found.append(handle.read())
        except OSError:
            pass
    return found
