"""Owner of the battery (hot battery_v, battery_ref; durable brownouts, brownouts_seen,
brownout_v)."""

try:
    from micropython import const
except ImportError:
    def const(x):  # type: ignore[misc]  # CPython: the plain value
        return x

WIFI = const(0)     # brownout_v: no WiFi below, ...
CAPTURE = const(1)  # ... no capture below (0.0: none)


TREND_S = 86400  # the trend is the change over at least a day (a wake's reading is noisy)


def measured(hot, volts, utc=None):
    """This wake's reading; `utc` (None while the clock is not set) moves the trend's reference
    at most daily: battery_ref is [utc, volts, V/day over the last such span or None]."""
    hot["battery_v"] = round(volts, 3)
    ref = hot["battery_ref"]
    if not volts:  # no battery pin (any more): no trend
        hot["battery_ref"] = None
        return
    if utc is None:
        return
    if ref is None or utc < ref[0]:
        hot["battery_ref"] = [utc, hot["battery_v"], None]
    elif utc - ref[0] >= TREND_S:
        slope = (hot["battery_v"] - ref[1]) * 86400 / (utc - ref[0])
        hot["battery_ref"] = [utc, hot["battery_v"], round(slope, 4)]


def trend(hot):
    """Volts per day over the last day or more, None before a day of readings."""
    ref = hot["battery_ref"]
    return None if ref is None else ref[2]


def volts(hot):
    return hot["battery_v"]


def browned_out(durable):
    """safemode.py counts one."""
    durable["brownouts"] += 1


def floors(durable, volts, margin, recharged):
    """(WiFi floor, capture floor), learned from a brown-out not yet seen: one while WiFi was
    allowed sets the WiFi floor, one below it the capture floor; cleared when recharged."""
    floor = durable["brownout_v"]
    if durable["brownouts"] > durable["brownouts_seen"]:
        durable["brownouts_seen"] = durable["brownouts"]
        if volts:
            which = CAPTURE if floor[WIFI] and volts < floor[WIFI] else WIFI
            floor[which] = round(volts + margin, 3)
    if volts and (floor[WIFI] or floor[CAPTURE]) and volts > max(floor) + recharged:
        floor[WIFI] = floor[CAPTURE] = 0.0
    return floor[WIFI], floor[CAPTURE]
