"""`board` of the Seeed XIAO ESP32S3 Sense: pin names as in CircuitPython's board definition,
ports/espressif/boards/seeed_xiao_esp32_s3_sense/pins.c. 9.2.8 and 10.0.3 name fewer pins: D11-D19,
ADC, I2S_*, MT*, *_1 arrive in 10.1.0 (`AttributeError` on the older releases). There is no
`board.BOOT`: the BOOT button's GPIO0 is `_BOOT` here, for tests only."""

from sim import circuitpython as _hw
from sim.circuitpython.microcontroller import Pin

board_id = "seeed_xiao_esp32_s3_sense"

_GPIO = {
    "D0": 1,
    "A0": 1,
    "D1": 2,
    "A1": 2,
    "D2": 3,
    "A2": 3,
    "D3": 4,
    "A3": 4,
    "D4": 5,
    "A4": 5,
    "SDA": 5,
    "D5": 6,
    "A5": 6,
    "SCL": 6,
    "D6": 43,
    "TX": 43,
    "D7": 44,
    "RX": 44,
    "D8": 7,
    "SCK": 7,
    "D9": 8,
    "MISO": 8,
    "D10": 9,
    "MOSI": 9,
    "D11": 38,
    "I2S_SD": 38,
    "CAM_VSYNC": 38,
    "D12": 39,
    "I2S_SCK": 39,
    "MTCK": 39,
    "CAM_SCL": 39,
    "D13": 40,
    "I2S_WS": 40,
    "MTDO": 40,
    "CAM_SDA": 40,
    "D14": 41,
    "MTDI": 41,
    "MIC_DATA": 41,
    "RX_1": 41,
    "D15": 42,
    "MTMS": 42,
    "MIC_CLK": 42,
    "TX_1": 42,
    "D16": 10,
    "ADC": 10,
    "CAM_XCLK": 10,
    "D17": 13,
    "SCK_1": 13,
    "CAM_PCLK": 13,
    "D18": 12,
    "MISO_1": 12,
    "CAM_D5": 12,
    "D19": 11,
    "MOSI_1": 11,
    "CAM_D6": 11,
    "LED": 21,
    "SDCS": 21,
    "CAM_D0": 15,
    "CAM_D1": 17,
    "CAM_D2": 18,
    "CAM_D3": 16,
    "CAM_D4": 14,
    "CAM_D7": 48,
    "CAM_HREF": 47,
}
# Names pins.c has only from 10.1.0 (the 9.2.8 and 10.0.3 tables are the same, without them).
SINCE_10_1 = frozenset(
    (
        "D11",
        "D12",
        "D13",
        "D14",
        "D15",
        "D16",
        "D17",
        "D18",
        "D19",
        "ADC",
        "I2S_SD",
        "I2S_SCK",
        "I2S_WS",
        "MTCK",
        "MTDO",
        "MTDI",
        "MTMS",
        "RX_1",
        "TX_1",
        "SCK_1",
        "MISO_1",
        "MOSI_1",
    )
)

_by_gpio: dict = {}
_later: dict = {}
for _name, _gpio in _GPIO.items():
    _pin = _by_gpio.setdefault(_gpio, Pin(_name, _gpio))
    if _name in SINCE_10_1:
        _later[_name] = _pin
    else:
        globals()[_name] = _pin
_BOOT = Pin("GPIO0", 0)


def __getattr__(name: str):
    pin = _later.get(name)
    if pin is not None and (_hw.current is None or _hw.current.version.key >= (10, 1)):
        return pin
    raise AttributeError("'module' object has no attribute '%s'" % name)


CAM_DATA = tuple(_by_gpio[g] for g in (15, 17, 18, 16, 14, 12, 11, 48))


def _named(name: str) -> Pin:
    return _by_gpio[_GPIO[name]]


def I2C():
    from sim.circuitpython import busio

    return busio.I2C(_named("SCL"), _named("SDA"))


def SPI():
    from sim.circuitpython import busio

    return busio.SPI(_named("SCK"), _named("MOSI"), _named("MISO"))
