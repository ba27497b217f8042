"""Imports of one wake: the board's modules, the firmware and its libraries, fresh each boot.

The firmware and the libraries in the device's `lib/` are imported from the device folder as
CircuitPython would (CIRCUITPY root, then lib/), recompiled at each boot as CircuitPython does
with .py files -- which the board pays for in time and charge -- but compiled only once on
the host (code objects are cached by path, size and mtime; where each module is, by the
modification times of the folders it was looked for in).
"""

from __future__ import annotations

import builtins
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path
from types import CodeType, ModuleType

from sim import circuitpython

# CPython modules that the board's modules or the libraries need: imported before a wake swaps
# `time`, `os`, `ssl`, `ipaddress`, `hashlib`, `binascii`, `errno` and `math`, so that they
# bind CPython's own.
for _name in (
    "json",
    "errno",
    "binascii",
    "struct",
    "hashlib",
    "traceback",
    "linecache",
    "socket",
    "ssl",
    "io",
    "zlib",
    "random",
    "math",
    "gc",
    "array",
    "collections",
):
    importlib.import_module(_name)

_cpython_import = builtins.__import__
_code_cache: dict[tuple[str, int, int], CodeType] = {}
SHADOWED_CPYTHON = {"time", "os", "ssl", "ipaddress", "hashlib", "binascii", "errno", "math"}


_script_cache: dict[tuple[str, str], object] = {}


def script_code(path: Path, name: str):
    """boot.py or code.py compiled, as the board does at every start; compiled once on the
    host for each content (the board's compile time is charged by the caller)."""
    text = path.read_text()
    code = _script_cache.get((name, text))
    if code is None:
        code = _script_cache[(name, text)] = compile(text, name, "exec")
    return code


_OWN_ATTRIBUTES = ("__name__", "__doc__", "__path__")  # a module's own, not the spec's


class DeviceLoader(importlib.machinery.SourceFileLoader):
    """A firmware or library module: a fresh module each time, compiled (and charged) by the
    board that is awake. One loader serves every wake (its spec is cached), so it takes the
    board and the builtins from the wake that is on (`_awake`)."""

    attributes: dict[str, object] | None = None  # what module_from_spec sets from the spec

    def create_module(self, spec):
        module = ModuleType(spec.name)
        if spec.submodule_search_locations is not None:
            module.__path__ = list(spec.submodule_search_locations)  # not the cached spec's list
        return module

    def new_module(self, spec) -> ModuleType:
        """importlib.util.module_from_spec(spec) without its generic checks at every wake: the
        same attributes in the same order, taken once from a module it made."""
        if self.attributes is None:
            made = vars(importlib.util.module_from_spec(spec))
            self.attributes = {key: made[key] for key in made if key not in _OWN_ATTRIBUTES}
        module = self.create_module(spec)
        module.__dict__.update(self.attributes)
        return module

    def get_code(self, fullname):
        return self._code_and_size()[0]

    def _code_and_size(self) -> tuple[CodeType, int]:
        """The module's code object, compiled once while the file is unchanged, and its size
        (one stat serves the cache key and the compile charge)."""
        stat = os.stat(self.path)
        key = (self.path, stat.st_size, stat.st_mtime_ns)
        code = _code_cache.get(key)
        if code is None:
            code = compile(Path(self.path).read_bytes(), self.path, "exec", dont_inherit=True)
            _code_cache[key] = code
        return code, stat.st_size

    def exec_module(self, module) -> None:
        wake = _awake
        if wake is None:
            raise RuntimeError("a device module imported outside a wake")
        code, size = self._code_and_size()
        wake.device.charge_compile(size)
        module.__dict__["open"] = wake.device.open_file
        module.__dict__["__builtins__"] = wake.builtins
        exec(code, module.__dict__)  # as SourceFileLoader.exec_module


class BoardModuleLoader(importlib.abc.Loader):
    """Hands out one of the board's built-in modules (already made) when the firmware imports it."""

    def __init__(self, module) -> None:
        self.module = module

    def create_module(self, spec):
        return self.module

    def new_module(self, spec) -> ModuleType:
        return importlib.util.module_from_spec(spec)

    def exec_module(self, module) -> None:
        # A built-in module's __init__ runs at its first import in a VM (`import wifi` starts
        # the radio): the sim's modules name it `_on_import`.
        hook = module.__dict__.get("_on_import")
        if hook is not None:
            hook()


def _stamp(folders: tuple[str, ...]) -> tuple[int, ...]:
    """The folders' modification times: a file added, removed or renamed in one changes it.
    A wake looks at each folder once (code.py cannot write CIRCUITPY, nor import what it wrote
    to the card, before its next start)."""
    seen: dict[str, int] = _awake.folder_stamps if _awake is not None else {}
    stamps = []
    for folder in folders:
        stamp = seen.get(folder)
        if stamp is None:
            try:
                stamp = os.stat(folder).st_mtime_ns
            except OSError:
                stamp = -1
            seen[folder] = stamp
        stamps.append(stamp)
    return tuple(stamps)


# Specs are made once per name, search path and folder stamp, and shared by the wakes: a spec
# describes where a module is, the module made from it is new in each wake.
_Spec = importlib.machinery.ModuleSpec
_specs: dict[tuple[str, tuple[str, ...]], tuple[tuple[str, ...], tuple[int, ...], _Spec | None]] = {}
_board_specs: dict[str, _Spec] = {}


def _device_spec(fullname: str, search: tuple[str, ...]) -> _Spec | None:
    """The spec of `fullname` in `search` (.py file or package, None if not there), as
    PathFinder finds it; the host looks again only when one of the folders, or a folder of
    the module's name in them (a package's __init__.py added or removed), changed. (Making
    such a folder changes the folder it is made in.)"""
    key = (fullname, search)
    known = _specs.get(key)
    if known is not None and _stamp(known[0]) == known[1]:
        return known[2]
    tail = fullname.rpartition(".")[2]
    packages = (os.path.join(folder, tail) for folder in search)
    folders = search + tuple(package for package in packages if os.path.isdir(package))
    stamp = _stamp(folders)  # before the look: a change during it looks again next time
    found = importlib.machinery.PathFinder.find_spec(fullname, list(search))
    spec = None
    if found is not None and found.origin is not None and found.origin.endswith(".py"):
        locations = found.submodule_search_locations
        spec = importlib.util.spec_from_file_location(
            fullname,
            found.origin,
            loader=DeviceLoader(fullname, found.origin),
            submodule_search_locations=None if locations is None else list(locations),
        )
    _specs[key] = (folders, stamp, spec)
    return spec


def _board_spec(name: str, module: ModuleType) -> _Spec:
    spec = _board_specs.get(name)
    if spec is None or spec.loader.module is not module:  # type: ignore[union-attr]
        spec = _board_specs[name] = importlib.util.spec_from_loader(name, BoardModuleLoader(module))  # type: ignore[assignment]
    return spec  # type: ignore[return-value]


class DeviceFinder(importlib.abc.MetaPathFinder):
    """Finds the board's built-in modules, top-level modules in CIRCUITPY and CIRCUITPY/lib,
    and submodules in their packages. Records what a wake imported."""

    def __init__(self, device, board_modules: dict) -> None:
        self.board_modules = board_modules
        self.roots = (str(device.folder), str(device.folder / "lib"))
        self.loaded: set[str] = set()

    def find_spec(self, fullname, path=None, target=None):
        module = self.board_modules.get(fullname)
        if module is not None:
            self.loaded.add(fullname)
            return _board_spec(fullname, module)
        search = self.roots if path is None else tuple([p for p in path if p.startswith(self.roots[0])])
        if not search:
            return None
        spec = _device_spec(fullname, search)
        if spec is not None:
            self.loaded.add(fullname)
        return spec


_top_names: dict[tuple[str, ...], tuple[tuple[int, ...], tuple[str, ...], set[str]]] = {}


def _device_top_names(roots: tuple[str, ...]) -> set[str]:
    """The top-level modules and packages in CIRCUITPY and lib/; listed again only when a
    root or one of its folders changed (a package's __init__.py added or removed)."""
    known = _top_names.get(roots)
    if known is not None and known[0] == _stamp(roots + known[1]):
        return known[2]
    names = set()
    folders = []
    for root in map(Path, roots):
        if root.is_dir():
            for entry in root.iterdir():
                if entry.is_dir():
                    folders.append(str(entry))
                if entry.suffix == ".py" or (entry / "__init__.py").exists():
                    names.add(entry.stem)
    stamp = _stamp(roots + tuple(folders))
    _top_names[roots] = (stamp, tuple(folders), names)
    return names


_NOT_LOADED = object()
_awake: WakeImports | None = None  # the wake whose imports are on


class WakeImports:
    """Context of one wake: board modules under their bare names, the device's import path.

    The firmware's modules (and code.py, boot.py) see builtins whose `__import__` is
    `import_`: it loads the board's and the device's modules as importlib would (same specs,
    loaders, module attributes and sys.modules entries) without importlib's module locks and
    meta-path walk, which cost the host more than the modules' bodies. Anything else goes to
    CPython's own `__import__`, as does every import after the wake."""

    def __init__(self, device) -> None:
        self.device = device
        self.board_modules = circuitpython.modules()
        self.finder = DeviceFinder(device, self.board_modules)
        self.saved: dict[str, ModuleType | None] = {}
        self.builtins = {**vars(builtins), "__import__": self.import_}
        self.folder_stamps: dict[str, int] = {}  # _stamp's, for this wake

    def import_(self, name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and _awake is self:
            module = self._module(name)
            if module is not None:
                if not fromlist:
                    top = sys.modules.get(name.partition(".")[0])
                    if top is not None:
                        return top
                elif not hasattr(module, "__path__") or self._has_all(module, fromlist):
                    return module
        return _cpython_import(name, globals, locals, fromlist, level)

    def _has_all(self, package: ModuleType, fromlist) -> bool:
        """`from package import a, b`: each an attribute, else the submodule imported
        (importlib's _handle_fromlist)."""
        for item in fromlist:
            if item == "*":
                return False
            if not hasattr(package, item) and self._module(f"{package.__name__}.{item}") is None:
                return False
        return True

    def _module(self, name: str) -> ModuleType | None:
        module = sys.modules.get(name, _NOT_LOADED)
        return self._load(name) if module is _NOT_LOADED else module  # type: ignore[return-value]

    def _load(self, name: str) -> ModuleType | None:
        """Import `name` if it is the board's or the device's, as importlib's
        _find_and_load_unlocked and _load_unlocked do; None if not (CPython's import decides,
        with its own errors)."""
        parent_name, _, child = name.rpartition(".")
        path = None
        if parent_name:
            parent = self._module(parent_name)
            if parent is None:
                return None
            if name in sys.modules:  # the parent's body imported it
                return sys.modules[name]
            path = getattr(parent, "__path__", None)
            if path is None:
                return None
        spec = self.finder.find_spec(name, path)
        if spec is None:
            return None
        module = spec.loader.new_module(spec)
        spec._initializing = True  # "partially initialized module" errors
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        finally:
            spec._initializing = False
        module = sys.modules[name] = sys.modules.pop(name)
        if parent_name:
            setattr(sys.modules[parent_name], child, module)
        return module

    @property
    def imported(self) -> set[str]:
        """The modules this wake imported from the board, CIRCUITPY and lib/ (not CPython's
        own names in SHADOWED_CPYTHON, which are always in place)."""
        return set(self.finder.loaded)

    def __enter__(self) -> WakeImports:
        # The host may have imported its own copies (tests import timelapse.*, CPython has a
        # `code`): set them aside. A submodule is in sys.modules only with its package
        # (importlib imports the package first, __exit__ removes both): no package, no scan.
        present = _device_top_names(self.finder.roots).intersection(sys.modules)
        if any(hasattr(sys.modules[name], "__path__") for name in present):
            packages = tuple(name + "." for name in present)
            present |= {name for name in sys.modules if name.startswith(packages)}
        for name in sorted(present):
            self.saved[name] = sys.modules.pop(name)
        for name, module in self.board_modules.items():
            self.saved[name] = sys.modules.pop(name, None)
            if name in SHADOWED_CPYTHON:
                sys.modules[name] = module  # CPython has these: no import would ask a finder
        sys.meta_path.insert(0, self.finder)
        global _awake
        _awake = self
        return self

    def __exit__(self, *exc) -> None:
        global _awake
        _awake = None
        sys.meta_path.remove(self.finder)
        for name in self.finder.loaded:
            sys.modules.pop(name, None)
        for name, module in self.saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
