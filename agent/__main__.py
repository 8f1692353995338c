"""`python -m agent` is `nemo-chat`."""

import sys

from agent.cli import main

sys.exit(main())
