"""The faster scene renders the same JPEG bytes as main's straightforward one (issue 18).

The oracle is main's unmodified sim/scene.py at 812f7de (a new copy of the frame, a new default
font and a new Observer per frame, astral's elevation() and azimuth() as two computations):
DIGESTS holds the first 16 hex digits of the SHA-256 of every frame it rendered for _cases(), in
order, in a new interpreter, with the pinned pillow 13.0.0 (requirements-dev.txt) and astral 3.2.
Regenerate them after a Pillow upgrade:

    git show 812f7de:sim/scene.py > /tmp/scene_main.py
    PYTHONPATH=. .venv/bin/python tests/test_scene_speed.py /tmp/scene_main.py

The cases cover every frame size, qualities 0..63, both rotations, day, night, dusk and the
midnight sun, sun disks off the frame's edges, labels in and outside the font's characters,
newlines and a stamp longer than the frame; the last ones repeat, each twice in a row, so the
cached lit landscape that the new code draws on and restores is met again.

Why a new interpreter: the landscape's texture is Image.effect_noise, drawn from the C library's
rand() (Pillow's libImaging/Effects.c), which is never seeded, so a landscape depends on how many
were made before it in the process. A new process makes them in the same order for both.
"""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from PIL import ImageFont

from sim.scene import _STAMP_ROWS, FRAME_SIZES, _table

ROOT = Path(__file__).resolve().parents[1]

PLACES = [(52.37, 4.90), (-33.87, 151.21), (78.22, 15.65), (0.0, -179.9), (-89.95, 0.0)]
LABELS = ["", "cam1", "Åsa’s «shed» © ±1° · …", "tab\tand\nnewline", "x" * 300, "camera 📷 ∑"]
WINDOWS = [  # two days each: summer (midnight sun up north), winter, an equinox
    datetime(2026, 6, 20, tzinfo=UTC).timestamp(),
    datetime(2026, 12, 20, tzinfo=UTC).timestamp(),
    datetime(2026, 3, 20, tzinfo=UTC).timestamp(),
]
# Amsterdam around sunset on 2026-06-20 (about 20:00 UTC): every minute through dusk.
DUSK = datetime(2026, 6, 20, 19, 30, tzinfo=UTC).timestamp()

Case = tuple[str, int, float, float, float, int, int, str]


def _cases() -> list[Case]:
    rng = random.Random(18)
    sizes = list(FRAME_SIZES)
    small = [name for name in sizes if FRAME_SIZES[name][0] <= 800]
    cases: list[Case] = []
    for i in range(170):
        size = sizes[i % len(sizes)] if i < 2 * len(sizes) else rng.choice(small)
        if i % 4 == 0:  # dusk at Amsterdam, a minute apart
            utc = DUSK + 60 * (i // 4) + rng.random()
            latitude, longitude = PLACES[0]
        else:
            utc = rng.choice(WINDOWS) + rng.uniform(0, 2 * 86400)
            latitude, longitude = rng.choice(PLACES)
        cases.append(
            (
                size,
                rng.randint(0, 63),
                utc,
                latitude,
                longitude,
                rng.choice((0, 180)),
                rng.choice((0, 7, rng.randint(0, 10**7))),
                rng.choice(LABELS),
            )
        )
    # Frames again, each twice in a row: the second meets the lit landscape the first drew on.
    cases += [cases[i] for i in rng.sample(range(len(cases)), 15) for _ in range(2)]
    return cases


def _digests(render: Callable[..., bytes]) -> list[str]:
    return [
        hashlib.sha256(render(*case[:6], frame_number=case[6], label=case[7])).hexdigest()[:16]
        for case in _cases()
    ]


DIGESTS = """
1407b41e1d9f7622 e83db4eefb4a1213 2187afcabe7634dc a08646968b5ee5b9 85ddfb63848bb59d cc4fab7056617870
6e0d6b9716024d24 8dd47eb900f761d1 c14bc1021d45c626 2e3dc9088d9f0996 00c4718e859b02ab be90dd171081d8fb
2700f8490c3d0864 104b5f7086d3e830 dd26c60d52bae3ae 1c6da60e4cf95791 ef53d8b70af18ac3 6a09ee25205c2820
d4137d4a5b9f3fde c914485377281b35 64536202f2ca831f 26545593739def43 f03bd5984faba411 2b8e6108e301c9e0
d8f59b9427104f38 bb75a670c4e2fa8c add7ad2f803bcaf9 85fb97bfe5a76180 f0ae3495c4398cdd 24c2c3c9402abc97
ba39660b1d2be43e 71861e6957108dd7 e2398d5588abf163 6968c12503bdd819 7967ad6aa24ed1b9 610de38152b1a18a
e151788901716032 69ba4e514afa8225 5d04ba0cdb6d7087 90050ac98971dc08 1caa5ab1bc86c1cf 736f7876abd66de5
626421e92bcd6af6 303329943adcdedc ab0e6c0db9496cec cce19df2b2a5ed3f 238e05b22dd6dd6b e4dd654c7a9ff9ce
975c32ef20abc8fc 4ac649354c6cc33c 892b4a90a61cc5f8 d371e21f8f206309 7377caff34be8eeb 5b5d4a02901536b7
10409cd6c32f1df3 5ccc6a7e8f7eddc7 70fd377802d2ef37 6171d6d2a022c662 e97067f7403fabb0 4a09374151ec5ea1
9c353ee72a5a9a77 499d7ebb631f95e0 e399ebd84703cf02 e87dd518253b93f3 2f0bca72dee35811 2548a06edce16eac
5cc8c4d360e89dc3 5ab6802b2c6a7c04 bf5c86995bb9fa00 1de40044e8288feb f75f8384f4784a9b 2dccaa6569289aa2
9afaed6a21231f46 49f6f1866398085c 83f779557fe31c6a 60d40ffe6a6aed2e 4d0912e10dba67c0 08b3b76b9e6c0930
35a32403ca635de6 7601e002986e4a5b 870f4cd43a2781ae 4ef9362eb41c4267 9b85467442fb4244 5eaddcc5937cfc1a
528854087b844005 dc5e2e8e97a1aa4e 07eaed16a8bb86a2 51cd7f2287096d0b ff6d049eaba8b222 ce61a20408fae606
afb73e648b985ea3 4e44429bbc1187d8 b7cc5938fa7945d1 09e9d66e639d94e5 459143bcbb0543ac 165aad1b62670ba4
7d5ec5d8bcba1241 e88c64b15565a2ff 06db8e671746a994 4dd4e62a14c2566f 6a17bd52441daa2a c80083e317b6f4f0
dc8c709834c40ec1 e1affff055051d6a c8c738c5ae38b1a6 387b04cdedb4f08b 82c285b93b94ef5e 1b4a95da23ed5a0d
b6c1b8e34f11ec2d 441677310bbd44ea 45ce4424caf365db e39b53e77fdac0f3 7a1facda6b037aa1 ce41f49f13dd93b3
28c58b115e3e5ace e7125d93906ef34a 1cf9123fa8303dcf ea6f709a33053afb b2643f097556379d 70a7cf723dc65e62
a60a950adc9939d9 ff8213869c17e9c0 7800f6ce433cde85 098de3719f8df6c8 198e6235166f50ad 5c0986d550b5ff48
54ef8c9fe8ac7a4b fc421747c6a2e928 321896b05e8289fb fd0494a2f1d062c0 f147bf5e68c1400c 30346b80b236df2a
56140d0f4526e94f 1da94c676a7a23f3 e6c8564b4c34f486 061e48e1bfbad362 8b3fe88a2f98a0ea 27e661a4819182ed
170dbefd64e65f1e 6e965aa4fa1ff8fb fe3d783ff5643d27 7eb6312e5d912feb 863094347a685898 06a7e3e0dc053978
32ce976a2d8fbe7d 7ef1d2b179a8d1ae c532a3aaedd28122 6f8405d636d91f7b 1fa3321c05805a8c 8910bd2d955395bd
df58290ae6013b15 6939ab0a3dc3dac5 fc9c6412feaafe5b 6cc358043da878d1 cffd09b847be6712 782170b4b8e39264
1a305cae5d5bf57e 4a3cdb757cc02d65 f23a8c1e1b4d546d 40effa7fb07eba9c a8ae7c8a46ccafce 353e047ebc4aa57d
ccf9be3514a4525f 01ec847ca8d72e3f 7c1ed8b39ccdd77b 7b3d070304681e00 4814e96d210f81a4 2834c4afc85e9f2b
6ccbabd13ae88c21 131d03ec4c3ea3e6 a3dbfb7f2933afec a3dbfb7f2933afec 746d16d3f5cabec2 746d16d3f5cabec2
061e48e1bfbad362 061e48e1bfbad362 01ec847ca8d72e3f 01ec847ca8d72e3f 4a3cdb757cc02d65 4a3cdb757cc02d65
2bc6fc9987cf8bd1 2bc6fc9987cf8bd1 af760d0d521f9c29 af760d0d521f9c29 df8ab78cf58c308d df8ab78cf58c308d
6aa8e37f85a71fec 6aa8e37f85a71fec 677d23af35e154bf 677d23af35e154bf 713a1e55770961e8 713a1e55770961e8
fddb48cd33ae768b fddb48cd33ae768b f67a8cc9daf72fe1 f67a8cc9daf72fe1 5968b51491d3c6d5 5968b51491d3c6d5
9a1098282cc41306 9a1098282cc41306
""".split()


def test_frames_are_byte_identical_to_mains_renderer() -> None:
    assert len(DIGESTS) == len(_cases()) == 200
    assert DIGESTS[170::2] == DIGESTS[171::2]  # the premise: a frame again is the same frame
    done = subprocess.run(
        [sys.executable, __file__, str(ROOT / "sim" / "scene.py")],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == DIGESTS


def test_the_default_fonts_glyphs_fit_the_restored_band() -> None:
    """render_jpeg puts back the bottom 2 x _STAMP_ROWS rows after the stamp: every glyph the
    default font has (and its missing-glyph box) lies within _STAMP_ROWS rows below the stamp's
    origin, so nothing is drawn outside what is restored (the band is the frame's width)."""
    font = ImageFont.load_default()
    boxes = {font.getbbox(chr(code)) for code in range(0x20, 0x3000)} | {font.getbbox("\U0010fffd")}
    assert len(boxes) > 40  # the premise: real glyphs were measured, not one missing-glyph box
    assert min(box[1] for box in boxes) >= 0
    assert max(box[3] for box in boxes) <= _STAMP_ROWS


@given(st.tuples(*[st.floats(min_value=0.0, max_value=1.25)] * 3))
def test_the_light_table_is_the_straightforward_one(gains: tuple[float, float, float]) -> None:
    assert list(_table.__wrapped__(gains)) == [min(255, int(v * g)) for g in gains for v in range(256)]


if __name__ == "__main__":
    import importlib.util

    spec = importlib.util.spec_from_file_location("scene_main", sys.argv[1])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for digest in _digests(module.render_jpeg):
        print(digest)
