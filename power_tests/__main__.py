"""`python -m power_tests compare [...]` (power_tests/compare.py), `python -m power_tests fuel`
(power_tests/fuel.py) and `python -m power_tests ppk2 [...]` (the PPK2 harness, power_tests/ppk2/)."""

import sys

import sim  # noqa: F401 - sim/__init__.py orders sys.path (the board's code.py after the stdlib)


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "compare":
        from power_tests import compare

        return compare.main(sys.argv[2:])
    if command == "fuel":
        from power_tests import fuel

        return fuel.main(sys.argv[2:])
    if command == "ppk2":
        from power_tests import ppk2

        return ppk2.main(sys.argv[2:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
