"""The PPK2 harness (see power_tests/ppk2/analysis.py)."""

from power_tests.ppk2.analysis import (
    PHASES,
    RATE_HZ,
    Analyser,
    Settings,
    TraceWriter,
    acquire,
    analyse,
    calibrate_profile,
    main,
    read_trace,
    save_trace,
)

__all__ = ["PHASES", "RATE_HZ", "Analyser", "Settings", "TraceWriter", "acquire", "analyse",
           "calibrate_profile", "main", "read_trace", "save_trace"]
