"""Faults of the local cloud, drawn per request from a seeded RNG so that runs are reproducible.

`CloudFaults` holds the probabilities (all off by default; the runner may change them);
`FaultInjection` is the part of `LocalDropbox` that draws them and answers for them.
"""

from __future__ import annotations

import collections
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sim.cloud.server import Reply, Request, json_reply, text_reply

# Routes that answer rate limits as too_many_write_operations (and count for write contention).
WRITE_ROUTES = {"/2/files/upload", "/2/files/upload_session/finish", "/2/files/delete_v2"}


@dataclass
class CloudFaults:
    """Faults drawn per request (probabilities), all off by default; the runner may change them."""

    expire_token_p: float = 0.0  # a valid access token is answered 401 expired_access_token
    rate_limit_p: float = 0.0  # 429 with Retry-After
    retry_after_s: int = 60
    server_error_p: float = 0.0  # 500, or 503 with Retry-After
    drop_p: float = 0.0  # connection closed without an answer (50/50 after committing)
    slow_p: float = 0.0  # the answer takes slow_s more virtual seconds
    slow_s: float = 20.0
    revoked: bool = False  # the refresh token (and its access tokens) are revoked
    full: bool = False  # the account is full
    write_limit_per_min: int = 0  # write contention: more writes than this in a (virtual)
    # minute, from all clients, get 429 too_many_write_operations
    seed: int = 1


class FaultInjection:
    """Draws a fault for a request and builds its answer (part of LocalDropbox)."""

    faults: CloudFaults
    rng: random.Random  # fault draws only
    lock: threading.Lock
    stats: collections.Counter
    clock: Callable[[], float]
    _writes: collections.deque  # write times, for contention

    def _chance(self, p: float) -> bool:
        with self.lock:
            return p > 0 and self.rng.random() < p

    def _draw_fault(self, request: Request) -> str | None:
        """One fault for this request, or None (lock held). Draws only for faults that are on."""
        faults = self.faults
        dropbox_route = request.path.startswith("/2/")
        if faults.write_limit_per_min and request.path in WRITE_ROUTES:
            now = self.clock()
            recent = self._writes
            while recent and recent[0] <= now - 60:
                recent.popleft()
            if len(recent) >= faults.write_limit_per_min:
                self.stats["fault:write_contention"] += 1
                return "rate_limit_write"
            recent.append(now)
        for name, p, applies in (
            ("drop", faults.drop_p, True),
            ("slow", faults.slow_p, True),
            ("server_error", faults.server_error_p, True),
            ("rate_limit", faults.rate_limit_p, dropbox_route),
        ):
            if applies and p > 0 and self.rng.random() < p:
                self.stats["fault:" + name] += 1
                if name == "server_error":
                    return "server_error_503" if self.rng.random() < 0.5 else "server_error_500"
                if name == "rate_limit" and request.path in WRITE_ROUTES:
                    return "rate_limit_write"
                return name
        return None

    def _fault_reply(self, fault: str) -> Reply:
        retry = str(self.faults.retry_after_s)
        if fault == "server_error_500":
            return text_reply(500, "Internal Server Error")
        if fault == "server_error_503":
            return text_reply(503, "Service Unavailable", {"Retry-After": retry})
        reason = "too_many_write_operations" if fault == "rate_limit_write" else "too_many_requests"
        return json_reply(
            429,
            {
                "error_summary": reason + "/..",
                "error": {"reason": {".tag": reason}, "retry_after": self.faults.retry_after_s},
            },
            {"Retry-After": retry},
        )
