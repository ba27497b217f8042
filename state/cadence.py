"""Owner of the capture cadence's fields (hot slot, anchor): the local time of the last slot
captured (never the same slot twice), and the RTC time of the last capture on the relative
cadence (no valid clock; 0: none)."""


def last_slot(hot):
    return hot["slot"]


def took_slot(hot, slot):
    hot["slot"] = slot


def anchor(hot):
    return hot["anchor"]


def set_anchor(hot, utc):
    hot["anchor"] = utc
