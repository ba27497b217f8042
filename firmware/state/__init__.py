"""Persistence of the firmware: the sleep_memory and NVM records (layout in state/README.md)."""
