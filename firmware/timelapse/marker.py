"""Phase marks for a power profiler: `[power] marker_pin`, wired to a logic input of a PPK2.

The pin is high while the firmware runs and low in deep sleep: CircuitPython resets every pin
(pulled up) when code.py ends, so the low is held through deep sleep with `preserve_dios`
(`held`); CircuitPython's start-up releases it again (pulled up until the firmware drives it). At the end of each
phase it sends k short low pulses, k being the phase's number in PHASES, so the profiler can
split the charge per phase (power_tests/ppk2/decode.py decodes it). Without a marker pin
nothing here runs. The profiler harness reads PHASES from this module.
"""

PHASES = ("state", "config", "camera", "card", "wifi", "tls", "upload", "persist", "work", "sync")
PULSE_US = 100
GAP_US = 1000

_pin = None


def start(pin_name: "str | None") -> None:
    """Raise the marker (once per wake); a bad pin name only disables marking."""
    global _pin
    if _pin is not None or not pin_name:
        return
    import board
    import digitalio

    try:
        _pin = digitalio.DigitalInOut(getattr(board, pin_name))
        _pin.switch_to_output(True)
    except (AttributeError, ValueError) as problem:
        print("[error] marker: %s: %s" % (pin_name, problem))


def mark(phase: str) -> None:
    if _pin is None or phase not in PHASES:
        return
    import microcontroller

    for _ in range(PHASES.index(phase) + 1):
        _pin.value = False
        microcontroller.delay_us(PULSE_US)
        _pin.value = True
        microcontroller.delay_us(PULSE_US)
    microcontroller.delay_us(GAP_US)


def stop() -> None:
    """Low for deep sleep: the fall ends the last phase."""
    if _pin is not None:
        _pin.value = False


def held() -> tuple:
    """The DigitalInOuts to keep through deep sleep (`preserve_dios`): the marker, held low.
    Reset instead, it would be pulled up: high to the profiler all night, and about 23 uA from
    the ESP32-S3's 45 kOhm pull-up into the profiler's 100 kOhm pull-down."""
    return (_pin,) if _pin is not None else ()
