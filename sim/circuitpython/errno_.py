"""`errno` on the board: py/moderrno.c (9.2.8, 10.0.3, 10.1.0), 24 names with newlib's numbers
and `errorcode`; nothing else (no ENOTDIR, no EPIPE, no EHOSTDOWN)."""

from sim.circuitpython.errnos import NAMES

errorcode = {number: name for name, number in NAMES.items()}
globals().update(NAMES)
