"""The board's notion of time. The RTC keeps UTC; schedules and names use local time.

After a power loss the RTC restarts at 2000-01-01: until a time source sets it, the time is
not valid and the camera captures on a relative cadence, naming photos by sequence only.
"""

import time

VALID_AFTER = 1735689600  # 2025-01-01T00:00:00Z: an RTC before this was never set


def utc_now():
    return time.time()


def valid(utc):
    return utc >= VALID_AFTER
