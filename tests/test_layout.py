"""firmware/ mirrors the CIRCUITPY drive, and tools/firmware.py is its one manifest: nothing in
firmware/ is left out of it, nothing it lists is missing, and what it copies is what a drive
gets (deploy) and what the simulator and the VM harness install."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sim import vm
from sim.network import Network
from sim.runner import install_firmware
from tools import firmware
from tools.deploy import deploy
from tools.firmware import FIRMWARE_DIR, ROOT


def tracked(folder: Path) -> set[str]:
    """The files git tracks under `folder`, relative to it (the oracle: git, not the manifest)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line for line in listed.splitlines() if line}


def test_the_manifest_names_everything_in_firmware_and_nothing_more() -> None:
    files = tracked(FIRMWARE_DIR)
    top = {name.split("/")[0] for name in files}
    listed = {name.split("/")[0] for name in firmware.ENTRIES + firmware.DOCS}
    assert top == listed, (
        f"in firmware/ but not in the manifest: {top - listed}; listed but missing: {listed - top}"
    )
    for name in firmware.ENTRIES + firmware.DOCS:
        assert (FIRMWARE_DIR / name).exists(), name
    # Inside the packages: only Python and the documentation the manifest names.
    others = {name for name in files if "/" in name and not name.endswith(".py")}
    assert others == set(firmware.DOCS)


def test_the_gates_see_every_python_file_of_the_firmware() -> None:
    on_disk = {FIRMWARE_DIR / name for name in tracked(FIRMWARE_DIR) if name.endswith(".py")}
    assert set(firmware.python_files()) == on_disk
    assert FIRMWARE_DIR / "code.py" in on_disk and FIRMWARE_DIR / "timelapse" / "cycle.py" in on_disk


def test_no_firmware_left_at_the_root_and_the_dump_reader_is_host_side() -> None:
    for name in (
        "code.py",
        "boot.py",
        "safemode.py",
        "camconfig.toml",
        "state",
        "timelapse",
        "requirements.txt",
        "settings.toml.example",
    ):
        assert not (ROOT / name).exists(), name
    assert not (FIRMWARE_DIR / "state" / "dump.py").exists() and (ROOT / "tools" / "dump.py").exists()


def drive_files(drive: Path) -> set[str]:
    return {
        str(p.relative_to(drive)) for p in drive.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    }


def test_deploy_simulator_and_vm_install_the_same_firmware(tmp_path: Path) -> None:
    expected = {name for name in tracked(FIRMWARE_DIR) if name.endswith(".py") or name == "camconfig.toml"}
    drive = tmp_path / "drive"
    drive.mkdir()
    (drive / "boot_out.txt").write_text("Adafruit CircuitPython 10.0.3")
    deploy(drive)
    sim_device = tmp_path / "sim"
    sim_device.mkdir()
    install_firmware(FIRMWARE_DIR, sim_device, None, Network())
    vm_drive = tmp_path / "vm"
    vm.install(vm_drive)
    extras = {"boot_out.txt", "settings.toml"}  # the drive's own, and the board's secrets
    for folder in (drive, sim_device, vm_drive):
        got = {name for name in drive_files(folder) if name not in extras and not name.startswith("lib/")}
        assert got == expected, folder.name


def test_the_simulator_and_the_vm_put_the_libraries_of_requirements_txt_in_lib(tmp_path: Path) -> None:
    named = {
        line.split("#")[0].strip() for line in (FIRMWARE_DIR / "requirements.txt").read_text().splitlines()
    }
    named.discard("")
    sim_device = tmp_path / "sim"
    sim_device.mkdir()
    install_firmware(FIRMWARE_DIR, sim_device, None, Network())
    vm.install(tmp_path / "vm")
    for folder in (sim_device, tmp_path / "vm"):
        assert {p.stem for p in (folder / "lib").glob("*.py")} == named, folder.name


def test_type_hints_bring_no_import_to_the_board() -> None:
    """Public module-level functions are annotated, and what the annotations name is imported
    only under `if False:` (the board's compiler emits nothing for it): no `typing` at run time."""
    import ast

    bare, runtime = [], []
    for path in firmware.python_files():
        tree = ast.parse(path.read_text())
        guarded = {
            id(n)
            for node in tree.body
            if isinstance(node, ast.If) and isinstance(node.test, ast.Constant) and node.test.value is False
            for n in ast.walk(node)
        }
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in guarded:
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                runtime += [
                    f"{path.name}: {n}" for n in names if n.split(".")[0] in ("typing", "collections")
                ]
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and node.returns is None:
                bare.append(f"{path.relative_to(FIRMWARE_DIR)}: {node.name}")
    assert not runtime, runtime
    assert not bare, bare
