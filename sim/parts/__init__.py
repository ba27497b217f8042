"""The parts of a simulated XIAO ESP32S3 Sense that `sim.device.Device` is made of.

`state` holds what the board is and remembers (BoardState: its memories, clocks, records);
`pins`, `power` (charge, battery, watchdog, RTC, sleep and alarms), `storage` (CIRCUITPY, the
card, NVM, sleep memory) and `radio` (WiFi, DNS, TLS, sockets) add what each part does. Each
part is a class over BoardState; Device puts them together and runs the wakes.
"""
