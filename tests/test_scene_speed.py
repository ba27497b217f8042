"""The faster scene renders the same JPEG bytes as main's straightforward one (issue 18).

The oracle is main's sim/scene.py at 812f7de (a new copy of the frame, a new default font and a
new Observer per frame, astral's elevation() and azimuth() as two computations), with one change:
it keeps every frame size's landscape, as the scene does since a second process renders with the
same landscapes (sim/render_ahead.py), where 812f7de drew a size's landscape again after eight
others had been drawn. DIGESTS holds the first 16 hex digits of the SHA-256 of every frame it
rendered for _cases(), in order, in a new interpreter, with the pinned pillow 13.0.0
(requirements-dev.txt) and astral 3.2. Regenerate them after a Pillow upgrade:

    git show 812f7de:sim/scene.py | sed 's/lru_cache(maxsize=8)/lru_cache(maxsize=None)/' > /tmp/scene_main.py
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
2700f8490c3d0864 104b5f7086d3e830 dd26c60d52bae3ae 1c6da60e4cf95791 ddb97c46d50a7af1 81874d00d0ba3732
4cdc710d86bbd58b ec15fd1c3e52f998 69516d70872f3f08 db32b534a988e577 b81053de4f482116 2b8e6108e301c9e0
a50a357f672967f9 76c3a3a58bb9b092 17a00a1de62161ab 8abd1cd265db8242 7b83a2b684b1e665 062d978a142e9db4
988a9663a52b1e0a 9c79798209fa5d23 e69f4293863e5a25 8e46055f7158e4a1 ce49293fcc4872f6 5d16f171c444f83b
55945ee19b04bf6a 659c2c7e49d205d5 dee296b777407988 16ba119a9c5378f9 79201991fb6172b6 c9851397574aba5d
6d10aa989c9db691 9c57b48fcf82ce1e 70480d66ee204557 4fa9ac669a283f89 0d92635fa9782356 b139afdff9932098
7a6907ada96c13a4 905d15a9bfd33623 3528290a38670c19 663eef42709935bc 1a96252e7ab4a44d faaaf2f3e9f3b413
4765c72bc1ad4591 64ca5bbb7fb8a301 9febe7743a85889f 962b9b2a8ecbbb8b 29bdac53d3e31b89 515a3a3cfcd59da1
e0caab1529bc6499 38026de967b36c3b 486e88662a24c43b b3b30f0d95fc284f 0e760523ded9c108 d1538b44b948c2f9
16ac93838ddf7f4d cb0b7e8485a8b87c 7c6f23530e6abecc c99d333a4c3113a6 4ffe1a3f3cce31cb c5af04d0f0a17e5f
0ed0646d77a04a43 47088c98d8ce68d6 26a66cc34bd565b3 b0450f13e29d645a cdbd6b22a8d5f1ab 79a80ff1c3fa70bd
807a7abaced9751e 47708860548f1163 6fb00f729b87624a 4fd5fc6dc0ddd1db 2595d6c25a1f4ca0 5600af7589fc1154
f36349a2e22aa25a 4ab6a484fd41f7a3 bdc56b6f692d328f 8bc2993f66037e78 71a3ac8db28f0a9e 1318eacbfc313737
b27f94aebf06224c 92f851e465a885f4 ae6e933aeda57409 df14ba7b4e8f4f26 2ee03cd1007e9a99 1226db63b0fb35b9
23cd0ad33337e746 903e8b997e07ed99 7e5f56cca9ba38e7 e3ace1552c17ddfa 9880a8c515176433 3e8409c5497320e1
73ff74f2c320b5ea bf46ab318e91c8d9 3ca62ddcab1f0574 9ee49bd6c8676e77 06aa01220d42f238 739c86bfd2def9d3
111575dd7ee576c9 93b683575efe1d37 03077c9683c5bf3a fe554c498827aa43 ad26cabfc07d4ce3 943f764063ff563f
9fcb6697060a9ccd ef74f88fd1960d24 f2215439a2954fa5 d6c09068f1278623 f940c3ff1b9af5ef 21577ef43260dc2c
940fe97eae228f00 407b3949c772d76b 9abf32eed55a739e df6ca84c0709d691 0a8c5a2467979548 5c3d7b030aa3ec66
fe4d9a6bcc743325 948dabef0fa511b0 71abe85831ae1547 e5238055162de144 80ce4efa1ad5f1c1 c7a0ffa7fa91d1fc
b5bc4c2f2ac0966d 9e5f171048d9dc98 1a9abf88e9b213b7 5896ea7ffdf5bb91 bc413f84644a76af 76ba9888db2113ab
c97e9486dced9506 457ca73e22c88ac9 642f4ab930b55c7d 2d365ed2598d9c1d cec8b9e0fa692c40 e2043dcb03af9196
e74b1f56eb4fb41d fdaa721bb7f859e9 a31d14105224251d 45fbcb26fe16f3ec 45a2ff5a0e94ec99 5804ec70a6167eec
56f9314f641a9615 1035584496a4b6ae 2f9e80c1bcfe2030 2c09071c49d0ee0a e71f5cc1e6601c04 7fb867f4c6c03521
c02602785c2e97c8 18e9d260af40df5d 9eaa4c48fee7272a 96c37b59b84b7c8a 0dd1121912d2afdd 1c64efe44aec3964
628ee87427321c90 731459d5a3c4685a 6bbd6b2533c87aa9 f55da27f193c26c6 6f96b2734b33842a d6277d646c5ce4fd
ff42de645d3db7ae 2be4259b46b3246e e69f4293863e5a25 e69f4293863e5a25 642f4ab930b55c7d 642f4ab930b55c7d
5896ea7ffdf5bb91 5896ea7ffdf5bb91 731459d5a3c4685a 731459d5a3c4685a 18e9d260af40df5d 18e9d260af40df5d
71abe85831ae1547 71abe85831ae1547 76c3a3a58bb9b092 76c3a3a58bb9b092 93b683575efe1d37 93b683575efe1d37
fe4d9a6bcc743325 fe4d9a6bcc743325 be90dd171081d8fb be90dd171081d8fb 56f9314f641a9615 56f9314f641a9615
df6ca84c0709d691 df6ca84c0709d691 2595d6c25a1f4ca0 2595d6c25a1f4ca0 ce49293fcc4872f6 ce49293fcc4872f6
45a2ff5a0e94ec99 45a2ff5a0e94ec99
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
