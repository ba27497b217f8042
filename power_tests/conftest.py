"""The project root after the standard library on sys.path (the board's code.py must not shadow
CPython's `code`, which pdb imports): the same set-up as tests/conftest.py."""

import sim  # noqa: F401 - sim/__init__.py orders sys.path
