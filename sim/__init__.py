"""Host-side simulator: CircuitPython's hardware on CPython, on virtual time.

`python -m sim run` runs the firmware folder wake after wake; `sim.device.Device` is one board.
"""
