"""Host-side simulator: CircuitPython's hardware on CPython, on virtual time.

`python -m sim run` runs the firmware folder wake after wake; `sim.device.Device` is one board.
"""

import os as _os
import sys as _sys

# The project root holds the board's code.py, which would shadow CPython's `code` module (pdb
# imports it) when `python -m sim` puts the root first on sys.path: move the root behind the
# standard library.
_root = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
for _entry in [p for p in _sys.path if p in ("", _root) or _os.path.abspath(p or ".") == _root]:
    _sys.path.remove(_entry)
    _sys.path.append(_entry)
