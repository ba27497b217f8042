"""Baseline "naive": deep sleep, but a full scan, a token refresh, an HTTPS time sync, a folder
creation and one upload on every wake, and the camera only deinitialised (power_tests/baselines)."""

import json
import os
import ssl
import time

import adafruit_requests
import alarm
import board
import busio
import espcamera
import rtc
import sdcardio
import socketpool
import storage
import wifi

OFFSET = 3600  # UTC+1, as the shipped camconfig.toml


def next_slot(utc):
    local = utc + OFFSET
    step = 600 if 6 <= local % 86400 // 3600 < 20 else 3600
    return (local // step + 1) * step - OFFSET


i2c = busio.I2C(board.CAM_SCL, board.CAM_SDA)
cam = espcamera.Camera(data_pins=list(board.CAM_DATA), external_clock_pin=board.CAM_XCLK,
                       pixel_clock_pin=board.CAM_PCLK, vsync_pin=board.CAM_VSYNC,
                       href_pin=board.CAM_HREF, i2c=i2c, pixel_format=espcamera.PixelFormat.JPEG,
                       frame_size=espcamera.FrameSize.SVGA, jpeg_quality=10)
cam.take(1.0)
cam.take(1.0)
frame = cam.take(1.0)
assert isinstance(frame, memoryview)  # JPEG: a read-only memoryview (None after a timeout)
jpeg = bytes(frame)
cam.deinit()

seq = int.from_bytes(alarm.sleep_memory[0:4], "little") + 1
alarm.sleep_memory[0:4] = seq.to_bytes(4, "little")
stamp = "%04d%02d%02dT%02d%02d%02d" % time.localtime(time.time() + OFFSET)[:6]
name = "CAM1_%06d_%s.jpg" % (seq, stamp)
storage.mount(storage.VfsFat(sdcardio.SDCard(board.SPI(), board.SDCS)), "/sd")
with open("sd/" + name, "wb") as handle:
    handle.write(jpeg)

try:
    wifi.radio.connect(os.getenv("WIFI_SSID", ""), os.getenv("WIFI_PASSWORD", ""))
    requests = adafruit_requests.Session(socketpool.SocketPool(wifi.radio), ssl.create_default_context())
    token = requests.post("https://api.dropboxapi.com/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": os.getenv("DBX_REFRESH_TOKEN"),
        "client_id": os.getenv("DBX_APP_KEY"), "client_secret": os.getenv("DBX_APP_SECRET")}).json()
    auth = {"Authorization": "Bearer " + token["access_token"]}
    now = requests.get("https://timeapi.io/api/Time/current/zone?timeZone=UTC").json()
    rtc.RTC().datetime = time.struct_time((now["year"], now["month"], now["day"], now["hour"],
                                           now["minute"], now["seconds"], 0, -1, -1))
    folder = "/timelapse/CAM1/" + stamp[:8]
    requests.post("https://api.dropboxapi.com/2/files/create_folder_v2", json={"path": folder},
                  headers=auth).close()
    auth["Dropbox-API-Arg"] = json.dumps({"path": folder + "/" + name, "mode": "add"})
    auth["Content-Type"] = "application/octet-stream"
    requests.post("https://content.dropboxapi.com/2/files/upload", data=jpeg, headers=auth).close()
except Exception as failure:  # noqa: BLE001 - a baseline only has to keep going
    print("[error] upload: %s" % failure)

alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(epoch_time=next_slot(time.time())))
