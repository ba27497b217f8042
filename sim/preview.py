"""A look at the captured time-lapse: an animated GIF and a contact sheet of the card's photos."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

FRAME_WIDTH = 320
MAX_FRAMES = 240
SHEET_COLUMNS = 8


def write_preview(sd: Path, out: Path) -> list[Path]:
    """out/preview.gif (every photo, or an even sample of them) and out/contact_sheet.jpg."""
    photos = sorted(sd.rglob("*.jpg"), key=lambda p: p.name.split("_")[1])
    if not photos:
        return []
    step = max(1, len(photos) // MAX_FRAMES)
    frames = []
    for path in photos[::step]:
        with Image.open(path) as image:
            height = round(image.height * FRAME_WIDTH / image.width)
            frames.append(image.convert("RGB").resize((FRAME_WIDTH, height)))
    gif = out / "preview.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=80, loop=0)
    sample = frames[:: max(1, len(frames) // (SHEET_COLUMNS * 4))][: SHEET_COLUMNS * 4]
    width, height = frames[0].size
    rows = -(-len(sample) // SHEET_COLUMNS)
    sheet = Image.new("RGB", (width * min(len(sample), SHEET_COLUMNS), height * rows), "black")
    for index, frame in enumerate(sample):
        sheet.paste(frame, ((index % SHEET_COLUMNS) * width, (index // SHEET_COLUMNS) * height))
    contact = out / "contact_sheet.jpg"
    sheet.save(contact, quality=85)
    return [gif, contact]
