"""`python -m power_tests.ppk2 ...`, the same as `python -m power_tests ppk2 ...`."""

import sys

from power_tests.ppk2 import main

sys.exit(main())
