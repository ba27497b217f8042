"""The board's GPIO pins: levels, edges, and the camera's load switch behind one of them."""

from __future__ import annotations

from sim.parts.state import BoardState


class Pins(BoardState):
    """Pin levels and their edges (part of Device)."""

    def pin_level(self, pin, pull) -> bool:
        return self.pin_levels.get(pin.gpio, pull == "UP")

    def pin_output(self, pin, value: bool) -> None:
        self._set_level(pin.gpio, bool(value))

    def _set_level(self, gpio: int, value: bool) -> None:
        if self.pin_levels.get(gpio) != value:
            self.pin_edges.append((self.clock.true, gpio, value))
        self.pin_levels[gpio] = value
        if gpio == self.camera.switch_gpio:
            self.camera.supply(not value)  # a P-channel load switch: on while the pin is low

    def pin_reset(self, pin) -> None:
        """A pin given back (deinit): input, pulled up (gpio_reset_pin)."""
        self._set_level(pin.gpio, True)

    def reset_pins(self, keep=()) -> None:
        """reset_all_pins: every pin the firmware used is an input pulled up again, except the
        preserved ones (held through deep sleep)."""
        for gpio in list(self.pin_levels):
            if gpio not in keep:
                self._set_level(gpio, True)
