"""Owner of the battery's fields (hot battery_v; durable brownouts, brownouts_seen, brownout_v):
the voltage at this wake, brown-outs counted by safemode.py, and the floors learned from them."""

try:
    from micropython import const
except ImportError:
    def const(x):  # type: ignore[misc]  # CPython: the plain value
        return x

WIFI = const(0)     # brownout_v: no WiFi below ...
CAPTURE = const(1)  # ... no capture below (0.0: none)


def measured(hot, volts):
    hot["battery_v"] = round(volts, 3)


def volts(hot):
    """The battery voltage measured at this wake."""
    return hot["battery_v"]


def browned_out(durable):
    """safemode.py: one more brown-out (the next wake learns from it)."""
    durable["brownouts"] += 1


def floors(durable, volts, margin, recharged):
    """(no-WiFi floor, no-capture floor) after learning from a brown-out not yet taken into
    account: one while WiFi was still allowed sets the WiFi floor, one below it the capture
    floor (`volts` + `margin`); `recharged` above both clears them (a new or charged battery)."""
    floor = durable["brownout_v"]
    if durable["brownouts"] > durable["brownouts_seen"]:
        durable["brownouts_seen"] = durable["brownouts"]
        if volts:
            which = CAPTURE if floor[WIFI] and volts < floor[WIFI] else WIFI
            floor[which] = round(volts + margin, 3)
    if volts and (floor[WIFI] or floor[CAPTURE]) and volts > max(floor) + recharged:
        floor[WIFI] = floor[CAPTURE] = 0.0
    return floor[WIFI], floor[CAPTURE]
