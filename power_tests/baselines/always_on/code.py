"""Baseline "always_on": the original project's loop. Camera, WiFi and the Dropbox session are
set up once; then photo, upload, time.sleep until the next slot, for ever (power_tests/baselines)."""

import json
import os
import ssl
import time

import adafruit_requests
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


def refresh():
    answer = requests.post("https://api.dropboxapi.com/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": os.getenv("DBX_REFRESH_TOKEN"),
        "client_id": os.getenv("DBX_APP_KEY"), "client_secret": os.getenv("DBX_APP_SECRET")}).json()
    return answer["access_token"], time.monotonic() + answer["expires_in"] - 300


i2c = busio.I2C(board.CAM_SCL, board.CAM_SDA)
cam = espcamera.Camera(data_pins=list(board.CAM_DATA), external_clock_pin=board.CAM_XCLK,
                       pixel_clock_pin=board.CAM_PCLK, vsync_pin=board.CAM_VSYNC,
                       href_pin=board.CAM_HREF, i2c=i2c, pixel_format=espcamera.PixelFormat.JPEG,
                       frame_size=espcamera.FrameSize.SVGA, jpeg_quality=10)
storage.mount(storage.VfsFat(sdcardio.SDCard(board.SPI(), board.SDCS)), "/sd")
wifi.radio.connect(os.getenv("WIFI_SSID", ""), os.getenv("WIFI_PASSWORD", ""))
requests = adafruit_requests.Session(socketpool.SocketPool(wifi.radio), ssl.create_default_context())
now = requests.get("https://timeapi.io/api/Time/current/zone?timeZone=UTC").json()
rtc.RTC().datetime = time.struct_time((now["year"], now["month"], now["day"], now["hour"],
                                       now["minute"], now["seconds"], 0, -1, -1))
token, expires = refresh()
seq = 0
while True:
    cam.take(1.0)
    frame = cam.take(1.0)
    assert isinstance(frame, memoryview)  # JPEG: a read-only memoryview (None after a timeout)
    jpeg = bytes(frame)
    seq += 1
    stamp = "%04d%02d%02dT%02d%02d%02d" % time.localtime(time.time() + OFFSET)[:6]
    name = "CAM1_%06d_%s.jpg" % (seq, stamp)
    with open("sd/" + name, "wb") as handle:
        handle.write(jpeg)
    try:
        if time.monotonic() > expires:
            token, expires = refresh()
        requests.post("https://content.dropboxapi.com/2/files/upload", data=jpeg, headers={
            "Authorization": "Bearer " + token, "Content-Type": "application/octet-stream",
            "Dropbox-API-Arg": json.dumps({"path": "/timelapse/CAM1/%s/%s" % (stamp[:8], name),
                                           "mode": "add"})}).close()
    except Exception as failure:  # noqa: BLE001 - a baseline only has to keep going
        print("[error] upload: %s" % failure)
    time.sleep(max(1, next_slot(time.time()) - time.time()))
