"""`python -m sim.cloud --port P --dir D`: the local cloud on its own."""

import sys

from sim.cloud.service import main

sys.exit(main())
