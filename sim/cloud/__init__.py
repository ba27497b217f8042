"""The local cloud of the simulator: a Dropbox (API v2) and the time servers, on loopback.

One HTTPS listener answers for every host name in HOSTS (routing on the path): the OAuth2 token
endpoint, the api and content routes of Dropbox API v2 that an uploader needs, Adafruit IO's time
integration and timeapi.io. A UDP listener answers SNTP. All times come from `clock()`, the
simulator's virtual UTC, so Date headers, token expiry and time services follow the simulated
world. Faults (`CloudFaults`) are drawn per request from a seeded RNG so that runs are
reproducible.

One module per job: `store` (files and their metadata), `server` (HTTP plumbing: the TLS
listener, requests and replies), `faults`, `dropbox` (the API routes and OAuth2),
`time_services` (the HTTPS time APIs), `sntp`, and `service` (LocalDropbox, which puts them
together). Command line: `python -m sim.cloud --port P --dir D` (see docs/design.md).
"""

from sim.cloud.faults import CloudFaults
from sim.cloud.server import HOSTS
from sim.cloud.service import LocalDropbox
from sim.cloud.store import content_hash

__all__ = ["HOSTS", "CloudFaults", "LocalDropbox", "content_hash"]
