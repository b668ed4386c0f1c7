"""``python -m qa``: the same command line as the ``qa`` console script."""

from qa.cli import console

console()
