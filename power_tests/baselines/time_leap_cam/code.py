"""Baseline "time_leap_cam": Time Leap Cam's wake (hnz1102/timeleapcam, XIAO_ESP32S3_SENSE
branch; power_tests/baselines/README.md): at every wake a WiFi join with a full scan and DHCP,
an SNTP sync waited for, the camera started and one frame taken, the photo written to the card
and posted over HTTPS on a connection of its own, then a second awake before deep sleep.

Its uploads go to Cloudflare Images with a static API token; here they go to the same local
Dropbox as ours, with an access token kept in sleep memory until it expires standing in for the
static token."""

import json
import os
import ssl
import time

import adafruit_ntp
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


def token(requests, memory):
    """The access token kept in sleep memory (bytes 8..), refreshed when it is about to expire."""
    expires = int.from_bytes(memory[4:8], "little")
    if memory[8] and time.time() < expires - 300:
        return bytes(memory[9:9 + memory[8]]).decode()
    answer = requests.post("https://api.dropboxapi.com/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": os.getenv("DBX_REFRESH_TOKEN"),
        "client_id": os.getenv("DBX_APP_KEY"), "client_secret": os.getenv("DBX_APP_SECRET")}).json()
    value = answer["access_token"].encode()
    memory[4:8] = int(time.time() + answer["expires_in"]).to_bytes(4, "little")
    memory[8] = len(value)
    memory[9:9 + len(value)] = value
    return value.decode()


memory = alarm.sleep_memory
seq = int.from_bytes(memory[0:4], "little") + 1
memory[0:4] = seq.to_bytes(4, "little")
connected = False
try:
    wifi.radio.connect(os.getenv("WIFI_SSID", ""), os.getenv("WIFI_PASSWORD", ""))
    pool = socketpool.SocketPool(wifi.radio)
    connected = True
    rtc.RTC().datetime = adafruit_ntp.NTP(pool, server="pool.ntp.org", socket_timeout=5).datetime
except Exception as failure:  # noqa: BLE001 - a baseline only has to keep going
    print("[error] wifi/ntp: %s" % failure)

i2c = busio.I2C(board.CAM_SCL, board.CAM_SDA)
cam = espcamera.Camera(data_pins=list(board.CAM_DATA), external_clock_pin=board.CAM_XCLK,
                       pixel_clock_pin=board.CAM_PCLK, vsync_pin=board.CAM_VSYNC,
                       href_pin=board.CAM_HREF, i2c=i2c, pixel_format=espcamera.PixelFormat.JPEG,
                       frame_size=espcamera.FrameSize.SVGA, jpeg_quality=10, framebuffer_count=2,
                       grab_mode=espcamera.GrabMode.LATEST)
frame = cam.take(1.0)
assert isinstance(frame, memoryview)  # JPEG: a read-only memoryview (None after a timeout)
jpeg = bytes(frame)
cam.deinit()

stamp = "%04d%02d%02dT%02d%02d%02d" % time.localtime(time.time() + OFFSET)[:6]
name = "CAM1_%06d_%s.jpg" % (seq, stamp)
storage.mount(storage.VfsFat(sdcardio.SDCard(board.SPI(), board.SDCS)), "/sd")
with open("sd/" + name, "wb") as handle:
    handle.write(jpeg)

if connected:
    try:
        requests = adafruit_requests.Session(pool, ssl.create_default_context())
        requests.post("https://content.dropboxapi.com/2/files/upload", data=jpeg, headers={
            "Authorization": "Bearer " + token(requests, memory), "Content-Type": "application/octet-stream",
            "Dropbox-API-Arg": json.dumps({"path": "/timelapse/CAM1/%s/%s" % (stamp[:8], name),
                                           "mode": "add"})}).close()
    except Exception as failure:  # noqa: BLE001
        print("[error] upload: %s" % failure)

time.sleep(1)  # main.rs deep_and_light_sleep_start: WiFi stopped, then 1 s before deep sleep
# The slot after the one just taken, even when the RTC woke a little early.
alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(epoch_time=next_slot(time.time() + 60)))
