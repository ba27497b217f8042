"""`--faults SPEC`: what goes wrong, and when.

SPEC is a comma-separated list of `name`, `name=P` or `name@D1-D2` / `name=P@D1-D2`: the fault
is active for the whole run or from day D1 to day D2 of the run; P is the share of requests it
hits while active (each has a default). Board faults: card_missing, camera_fail, ap_down
(states) and etimedout (P: the share of unpaced bursts that stall a TCP connection, default 1;
see sim/circuitpython/socketpool.py). Cloud faults (the local Dropbox, sim/cloud/faults.py):
expired_token, rate_limit, server_error, drop, slow (per request), revoked, full (states).
"""

from __future__ import annotations

from dataclasses import dataclass

BOARD = ("card_missing", "camera_fail", "ap_down", "etimedout")
# board faults that hit a share of events -> their default share; the others are states
BOARD_SHARE = {"etimedout": 1.0}
# name -> (CloudFaults field, default share of requests; None for a state)
CLOUD = {
    "expired_token": ("expire_token_p", 0.05),
    "rate_limit": ("rate_limit_p", 0.05),
    "server_error": ("server_error_p", 0.05),
    "drop": ("drop_p", 0.05),
    "slow": ("slow_p", 0.05),
    "revoked": ("revoked", None),
    "full": ("full", None),
}


@dataclass
class Fault:
    name: str
    start: float  # true UTC
    end: float
    share: float | None

    def active(self, t: float) -> bool:
        return self.start <= t < self.end


def parse(spec: str, start: float) -> dict[str, Fault]:
    faults: dict[str, Fault] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        head, _, days = item.partition("@")
        name, _, share = head.partition("=")
        if name not in BOARD and name not in CLOUD:
            raise ValueError(f"--faults: unknown fault {name!r}; known: {', '.join(BOARD + tuple(CLOUD))}")
        first, _, last = days.partition("-") if days else ("0", "", "1e9")
        try:
            window = (start + float(first) * 86400, start + float(last or "1e9") * 86400)
            default = CLOUD[name][1] if name in CLOUD else BOARD_SHARE.get(name)
            fraction = float(share) if share else default
        except ValueError:
            raise ValueError(f"--faults: {item!r} is not name[=P][@D1-D2]") from None
        if fraction is not None and not 0 <= fraction <= 1:
            raise ValueError(f"--faults: {item!r}: P must be between 0 and 1")
        faults[name] = Fault(name, *window, fraction)
    return faults


def apply_cloud(faults: dict[str, Fault], cloud_faults, t: float) -> None:
    """Set the local Dropbox's fault switches for the moment `t`."""
    for name, (field, default) in CLOUD.items():
        fault = faults.get(name)
        on = fault is not None and fault.active(t)
        if default is None:
            setattr(cloud_faults, field, on)
        else:
            setattr(cloud_faults, field, fault.share if on and fault else 0.0)
