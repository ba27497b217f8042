"""Host tools: deploy to a drive (`python -m tools.deploy`), the state dump reader
(`python -m tools.dump`), and the manifest of what is firmware (tools/firmware.py)."""
