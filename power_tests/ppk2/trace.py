"""The raw recording as .npz (`current_uA` float32, `digital` uint8 with the eight logic inputs,
`rate_hz`, `source_mV`), written while it comes in and read back in chunks."""

from __future__ import annotations

import dataclasses
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from power_tests.ppk2.analysis import Analyser
from power_tests.ppk2.decode import RATE_HZ, Settings


class TraceWriter:
    """Writes the raw recording as .npz while it comes in (two spool files, zipped at close)."""

    def __init__(self, path: Path, rate_hz: int = RATE_HZ, source_mV: int = 0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.meta = {"rate_hz": np.int64(rate_hz), "source_mV": np.int64(source_mV)}
        self.count = 0
        self.spools = {
            name: open(self.path.with_name(f"{self.path.name}.{name}.part"), "w+b")
            for name in ("current_uA", "digital")
        }

    def write(self, current_uA, digital) -> None:
        self.spools["current_uA"].write(np.asarray(current_uA, dtype="<f4").tobytes())
        self.spools["digital"].write(np.asarray(digital, dtype=np.uint8).tobytes())
        self.count += len(current_uA)

    def close(self) -> Path:
        dtypes: dict[str, np.dtype] = {"current_uA": np.dtype("<f4"), "digital": np.dtype(np.uint8)}
        with zipfile.ZipFile(self.path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name, spool in self.spools.items():
                spool.seek(0)
                with archive.open(name + ".npy", "w", force_zip64=True) as member:
                    header = {
                        "descr": np.lib.format.dtype_to_descr(dtypes[name]),
                        "fortran_order": False,
                        "shape": (self.count,),
                    }
                    np.lib.format.write_array_header_1_0(member, header)
                    shutil.copyfileobj(spool, member, 1 << 20)
                spool.close()
                Path(spool.name).unlink()
            for name, value in self.meta.items():
                with archive.open(name + ".npy", "w") as member:
                    np.lib.format.write_array(member, np.asarray(value))
        return self.path


def save_trace(path: Path, current_uA, digital, rate_hz: int = RATE_HZ, source_mV: int = 0) -> Path:
    writer = TraceWriter(path, rate_hz, source_mV)
    writer.write(current_uA, digital)
    return writer.close()


def read_trace(path: Path, chunk: int = 1_000_000) -> tuple[dict, Iterator[tuple[np.ndarray, np.ndarray]]]:
    """(meta, chunks of (current_uA, digital)) of a saved trace, read without loading it whole."""
    with np.load(path) as data:
        meta = {name: int(data[name]) for name in ("rate_hz", "source_mV") if name in data.files}

    def chunks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        with (
            zipfile.ZipFile(path) as archive,
            archive.open("current_uA.npy") as cur,
            archive.open("digital.npy") as dig,
        ):
            streams = []
            for member in (cur, dig):
                version = np.lib.format.read_magic(member)
                read_header = (
                    np.lib.format.read_array_header_1_0
                    if version == (1, 0)
                    else np.lib.format.read_array_header_2_0
                )
                shape, _, dtype = read_header(member)
                streams.append((member, dtype))
            left = shape[0]
            while left > 0:
                n = min(chunk, left)
                current, digital = (
                    np.frombuffer(member.read(n * dtype.itemsize), dtype=dtype) for member, dtype in streams
                )
                yield current, digital
                left -= n

    return meta, chunks()


def analyse_trace(path: Path, settings: Settings | None = None) -> Analyser:
    meta, chunks = read_trace(path)
    settings = settings or Settings()
    if meta.get("rate_hz", settings.rate_hz) != settings.rate_hz:
        settings = dataclasses.replace(settings, rate_hz=meta["rate_hz"])
    analyser = Analyser(settings)
    for current, digital in chunks:
        analyser.feed(current, digital)
    analyser.finish()
    return analyser
