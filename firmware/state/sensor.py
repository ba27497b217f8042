"""Owner of the camera's fields (hot cam_sensor, cam_sleep, cam_fails, cam_switch; durable
sensor): the sensor seen at the last start, the state it sleeps in, failed starts in a row and
whether camera_power_pin switches it (state/README.md)."""


def started(hot: dict, name: str) -> None:
    """A start that worked: the sensor by its product ID ("unknown" when it cannot tell)."""
    hot["cam_sensor"] = name
    hot["cam_fails"] = 0


def name(hot: dict) -> str:
    return hot["cam_sensor"]


def left_in(hot: dict, how: str) -> None:
    """The state it was left in for deep sleep: soft_reset, standby, off, deinit_only."""
    hot["cam_sleep"] = how


def sleeps_in(hot: dict) -> str:
    return hot["cam_sleep"]


def failed_starts(hot: dict) -> int:
    return hot["cam_fails"]


def failed(hot: dict) -> int:
    """One more failed start in a row; returns how many."""
    hot["cam_fails"] += 1
    return hot["cam_fails"]


def switch(hot: dict) -> str:
    """camera_power_pin: "" not checked since the power-on, "ok", "absent"."""
    return hot["cam_switch"]


def switch_found(hot: dict, works: bool) -> None:
    hot["cam_switch"] = "ok" if works else "absent"


def remember(hot: dict, durable: dict) -> None:
    """The sensor last seen survives a power loss (durable `sensor`)."""
    if hot["cam_sensor"]:
        durable["sensor"] = hot["cam_sensor"]


def facts(hot: dict, durable: dict) -> dict:
    """For the state dump."""
    return {"name": hot["cam_sensor"] or durable["sensor"] or None,
            "sleep_state": hot["cam_sleep"] or None,
            "failed_starts": hot["cam_fails"],
            "power_switch": hot["cam_switch"] or None}
