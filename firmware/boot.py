"""Runs at every reset before code.py, including each wake from deep sleep: kept tiny.

Policy: the CIRCUITPY drive stays writable by the USB host and read-only to the firmware.
The firmware never writes it (state lives in sleep memory and NVM, photos on the card), so a
user can edit camconfig.toml or settings.toml over USB at any time; a changed camconfig.toml is
picked up at the next wake.
"""
