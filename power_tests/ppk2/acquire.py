"""The PPK2 itself: open it, power the board at the battery voltage and stream its samples."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np

from power_tests.ppk2.analysis import Analyser
from power_tests.ppk2.trace import TraceWriter


def open_ppk2(port: str | None):
    """The PPK2 on `port`, or the first one connected."""
    from ppk2_api.ppk2_api import PPK2_API

    if port is None:
        found = PPK2_API.list_devices()
        if not found:
            raise SystemExit("no PPK2 found (give --port)")
        port = found[0]
    return PPK2_API(port, timeout=1, write_timeout=1, exclusive=True)


def acquire(
    ppk2,
    analyser: Analyser,
    *,
    source_mV: int,
    seconds: float | None = None,
    wakes: int | None = None,
    writer: TraceWriter | None = None,
    leave_on: bool = False,
    poll_s: float = 0.01,
    stall_s: float = 5.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[Analyser], None] | None = None,
) -> None:
    """Power the board from the PPK2 at `source_mV` and record until `seconds` of samples or
    `wakes` complete wakes (or Ctrl-C), feeding the analyser (and the trace writer).

    Measuring starts before the board is powered, so the first wake (a cold boot) is whole."""
    ppk2.get_modifiers()
    ppk2.use_source_meter()
    ppk2.set_source_voltage(source_mV)
    ppk2.start_measuring()
    ppk2.toggle_DUT_power("ON")
    limit = None if seconds is None else round(seconds * analyser.settings.rate_hz)
    last_data = clock()
    try:
        while True:
            data = ppk2.get_data()
            if not data:
                if clock() - last_data > stall_s:
                    raise RuntimeError("the PPK2 sent no data for %.0f s" % stall_s)
                sleep(poll_s)
                continue
            last_data = clock()
            samples, bits = ppk2.get_samples(data)
            n = min(len(samples), len(bits))
            if limit is not None:
                n = min(n, limit - analyser.n)
            current = np.asarray(samples[:n], dtype=np.float64)
            digital = np.asarray(bits[:n], dtype=np.uint8)
            analyser.feed(current, digital)
            if writer is not None:
                writer.write(current, digital)
            if progress is not None:
                progress(analyser)
            if limit is not None and analyser.n >= limit:
                break
            if wakes is not None and analyser.complete_wakes >= wakes:
                break
    except KeyboardInterrupt:
        print("stopped: analysing what was recorded", file=sys.stderr)
    finally:
        ppk2.stop_measuring()
        if not leave_on:
            ppk2.toggle_DUT_power("OFF")
