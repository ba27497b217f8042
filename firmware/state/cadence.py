"""Owner of the cadence (hot slot: local time of the last slot taken; anchor: RTC time of the
last capture without a valid clock)."""


def last_slot(hot):
    return hot["slot"]


def took_slot(hot, slot):
    hot["slot"] = slot


def anchor(hot):
    return hot["anchor"]


def set_anchor(hot, utc):
    hot["anchor"] = utc
