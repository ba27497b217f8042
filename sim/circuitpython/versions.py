"""The CircuitPython releases the simulator models, and what differs between them.

Each rule names the source it comes from (adafruit/circuitpython at that tag, or a
report); docs/fidelity.md lists them with the test that keeps each one honest. The boot time
per release is a power figure and lives in the profile (`[boot.duration_s]`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Version:
    name: str
    # shared-module/hashlib/__init__.c: only "sha1" until 10.1.0 added "sha256".
    hash_algorithms: tuple[str, ...]
    # lwIP's TCP send buffer per socket: ports/espressif/esp-idf-config/sdkconfig.defaults sets
    # CONFIG_LWIP_TCP_SND_BUF_DEFAULT=2880 at 9.2.8; 10.x dropped the line (PR 10609), leaving
    # ESP-IDF's default of 4 x MSS (components/lwip/Kconfig: 5744).
    tcp_snd_buf: int = 5744
    # CONFIG_LWIP_MAX_SOCKETS=8 in sdkconfig.defaults at every supported tag: the 9th open
    # socketpool socket raises RuntimeError("Out of sockets") (issue 10606 shows it on 9.2.8).
    max_sockets: int = 8

    @property
    def key(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.name.split("."))


SUPPORTED: dict[str, Version] = {
    "9.2.8": Version("9.2.8", ("sha1",), tcp_snd_buf=2880),
    "10.0.3": Version("10.0.3", ("sha1",)),
    "10.1.0": Version("10.1.0", ("sha1", "sha256")),
}
DEFAULT = "10.1.0"  # the release the README recommends


def get(name: str | None) -> Version:
    """The modelled release called `name` (default: the recommended one), or a clear error."""
    name = name or DEFAULT
    try:
        return SUPPORTED[name]
    except KeyError:
        raise ValueError(
            f"--circuitpython {name!r} is not modelled; choose one of {', '.join(SUPPORTED)}"
        ) from None
