"""``python -m qa``: the same command line as the ``qa`` console script."""

import sys

from qa.cli import main

sys.exit(main())
