"""Owner of the battery (hot battery_v; durable brownouts, brownouts_seen, brownout_v)."""

try:
    from micropython import const
except ImportError:
    def const(x):  # type: ignore[misc]  # CPython: the plain value
        return x

WIFI = const(0)     # brownout_v: no WiFi below, ...
CAPTURE = const(1)  # ... no capture below (0.0: none)


def measured(hot, volts):
    hot["battery_v"] = round(volts, 3)


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
