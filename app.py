"""Start the web chat: ``python app.py`` (or ``make run``), configured by ``QA_*`` variables."""

import sys

from qa.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
