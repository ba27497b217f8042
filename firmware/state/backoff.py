"""Owner of the network backoff (hot `backoff`: failures, retry_at): no network before retry_at
(UTC); failures double the pause, a server's Retry-After sets it."""

try:
    from micropython import const
except ImportError:
    def const(x):  # type: ignore[misc]  # CPython: the plain value
        return x

FAILURES = const(0)
RETRY_AT = const(1)
FIRST_S = 600             # after a failure, skip the network for 10 min, then 20, 40, ...
MAX_S = 6 * 3600          # the access point is away: try at most every 6 h
COLD_MAX_S = 2 * 3600     # ... but every 2 h while the clock is not set
SERVER_MAX_S = 3600       # the network or the server failed us: at most an hour
SLACK_S = 30              # see failed()


def active(hot: dict, utc: int) -> bool:
    """Whether a recent failure says: not this wake."""
    return utc < hot["backoff"][RETRY_AT]


def until(hot: dict) -> int:
    """UTC of the next try, 0 when none is pending."""
    return hot["backoff"][RETRY_AT]


def failed(hot: dict, utc: int, cap: int = MAX_S) -> int:
    """Count a failure and double the pause before the next try, up to `cap`. Returns it."""
    failures = hot["backoff"][FAILURES] + 1
    pause = min(FIRST_S * 2 ** min(failures - 1, 16), cap)
    # A little early: the wake `pause` later reads a time a second or two either side (whole
    # RTC seconds, TimeAlarm's whole-second wake, awake time), and must not miss its turn.
    hot["backoff"] = [failures, int(utc + pause) - SLACK_S]
    return pause


def defer(hot: dict, utc: int, seconds: int) -> None:
    """The server asked us to come back later (Retry-After): not a failure of ours."""
    hot["backoff"] = [hot["backoff"][FAILURES], int(utc + seconds)]


def succeeded(hot: dict) -> None:
    hot["backoff"] = [0, 0]
