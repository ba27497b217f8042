"""`python -m power_tests compare`: each saving it takes out must still be where it names it
(a refactoring that moves the line would otherwise only show when the comparison is run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from power_tests.compare import FEATURES, SAVINGS, without
from tools.firmware import FIRMWARE_DIR

pytestmark = pytest.mark.slow  # firmware compared over simulated days: left out by `make check`


@pytest.mark.parametrize("saving", sorted(SAVINGS) + sorted(FEATURES))
def test_every_saving_can_be_taken_out(tmp_path: Path, saving: str) -> None:
    copy = without(saving, tmp_path / "firmware")
    name, edits = {**SAVINGS, **FEATURES}[saving]
    text = (copy / name).read_text()
    assert text != (FIRMWARE_DIR / name).read_text()
    for _, stand_in in edits:
        assert stand_in in text
    compile(text, name, "exec")  # the variant still runs
