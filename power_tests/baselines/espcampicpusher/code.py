"""Baseline "espcampicpusher": EspCamPicPusher's timer wake (sfuchs-eng/WebCams,
EspCamPicPusher/src/setup.cpp and capture.cpp; power_tests/baselines/README.md): the serial
port's 1 s start-up delay and three LED blinks, a WiFi join with a full scan and DHCP, the
camera started, an NTP sync only when the last is more than 24 h old (the time kept in RTC
memory), three warm-up frames 200 ms apart and 500 ms to settle, one frame posted over HTTPS
(no card), two LED blinks, WiFi off and 200 ms, deep sleep.

Its posts go to its own PHP server with a static token; here they go to the same local Dropbox
as ours, with an access token kept in sleep memory until it expires standing in for it."""

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
import socketpool
import wifi

OFFSET = 3600  # UTC+1, as the shipped camconfig.toml
NTP_EVERY = 86400  # setup.cpp: "Check if NTP sync needed (>24 hours since last)"


def next_slot(utc):
    local = utc + OFFSET
    step = 600 if 6 <= local % 86400 // 3600 < 20 else 3600
    return (local // step + 1) * step - OFFSET


def token(requests, memory):
    """The access token kept in sleep memory (bytes 12..), refreshed when it is about to expire."""
    expires = int.from_bytes(memory[8:12], "little")
    if memory[12] and time.time() < expires - 300:
        return bytes(memory[13:13 + memory[12]]).decode()
    answer = requests.post("https://api.dropboxapi.com/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": os.getenv("DBX_REFRESH_TOKEN"),
        "client_id": os.getenv("DBX_APP_KEY"), "client_secret": os.getenv("DBX_APP_SECRET")}).json()
    value = answer["access_token"].encode()
    memory[8:12] = int(time.time() + answer["expires_in"]).to_bytes(4, "little")
    memory[12] = len(value)
    memory[13:13 + len(value)] = value
    return value.decode()


def blink(times, ms):
    """utils.cpp blinkLED: LED_BUILTIN on and off, `ms` each (awake throughout)."""
    time.sleep(times * 2 * ms / 1000)


time.sleep(1.0)  # setupSerial: delay(1000)
blink(3, 200)
memory = alarm.sleep_memory
seq = int.from_bytes(memory[0:4], "little") + 1
memory[0:4] = seq.to_bytes(4, "little")
connected = False
try:
    wifi.radio.connect(os.getenv("WIFI_SSID", ""), os.getenv("WIFI_PASSWORD", ""))
    pool = socketpool.SocketPool(wifi.radio)
    connected = True
except Exception as failure:  # noqa: BLE001 - a baseline only has to keep going
    print("[error] wifi: %s" % failure)

i2c = busio.I2C(board.CAM_SCL, board.CAM_SDA)
cam = espcamera.Camera(data_pins=list(board.CAM_DATA), external_clock_pin=board.CAM_XCLK,
                       pixel_clock_pin=board.CAM_PCLK, vsync_pin=board.CAM_VSYNC,
                       href_pin=board.CAM_HREF, i2c=i2c, pixel_format=espcamera.PixelFormat.JPEG,
                       frame_size=espcamera.FrameSize.SVGA, jpeg_quality=10,
                       grab_mode=espcamera.GrabMode.LATEST)

last_sync = int.from_bytes(memory[4:8], "little")
if connected and (last_sync == 0 or time.time() - last_sync > NTP_EVERY):
    try:
        rtc.RTC().datetime = adafruit_ntp.NTP(pool, server="pool.ntp.org", socket_timeout=10).datetime
        memory[4:8] = int(time.time()).to_bytes(4, "little")
    except Exception as failure:  # noqa: BLE001
        print("[error] ntp: %s" % failure)

for dummy in range(3):  # CameraCapture::warmUpSensor(3, 200, 500)
    cam.take(1.0)
    if dummy < 2:
        time.sleep(0.2)
time.sleep(0.5)
frame = cam.take(1.0)
assert isinstance(frame, memoryview)  # JPEG: a read-only memoryview (None after a timeout)
jpeg = bytes(frame)
cam.deinit()

if connected:
    stamp = "%04d%02d%02dT%02d%02d%02d" % time.localtime(time.time() + OFFSET)[:6]
    name = "CAM1_%06d_%s.jpg" % (seq, stamp)
    try:
        requests = adafruit_requests.Session(pool, ssl.create_default_context())
        requests.post("https://content.dropboxapi.com/2/files/upload", data=jpeg, headers={
            "Authorization": "Bearer " + token(requests, memory), "Content-Type": "application/octet-stream",
            "Dropbox-API-Arg": json.dumps({"path": "/timelapse/CAM1/%s/%s" % (stamp[:8], name),
                                           "mode": "add"})}).close()
        blink(2, 100)
    except Exception as failure:  # noqa: BLE001
        print("[error] upload: %s" % failure)

wifi.radio.enabled = False  # SleepManager::prepare: WiFi off, delay(200)
time.sleep(0.2)
# The slot after the one just taken, even when the RTC woke a little early.
alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(epoch_time=next_slot(time.time() + 60)))
