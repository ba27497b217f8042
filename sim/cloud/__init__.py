"""The local cloud of the simulator (see sim/cloud/dropbox.py)."""

from sim.cloud.dropbox import HOSTS, CloudFaults, LocalDropbox, content_hash

__all__ = ["HOSTS", "CloudFaults", "LocalDropbox", "content_hash"]
