"""`python -m clirbench.cli ...`: the `clirbench` command."""

import sys

from clirbench.cli import main

sys.exit(main())
