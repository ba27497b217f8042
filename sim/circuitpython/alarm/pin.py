"""`alarm.pin.PinAlarm`: wake on a pin level (the BOOT button, say)."""


class PinAlarm:
    def __init__(self, pin, value: bool, edge: bool = False, pull: bool = False) -> None:
        self.pin = pin
        self.value = value
        self.edge = edge
        self.pull = pull
