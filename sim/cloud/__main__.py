"""`python -m sim.cloud --port P --dir D`: the local cloud on its own."""

import sys

from sim.cloud.dropbox import main

sys.exit(main())
