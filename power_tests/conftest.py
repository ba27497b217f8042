"""The firmware importable by the power tests, as in tests/conftest.py."""

from tools import firmware

firmware.importable()
