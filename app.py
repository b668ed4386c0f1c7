"""Start the web chat: ``python app.py`` (or ``make run``), configured by ``QA_*`` variables."""

import sys

from qa.cli import console

if __name__ == "__main__":
    console(["serve", *sys.argv[1:]])
