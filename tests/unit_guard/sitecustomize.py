"""Run at start-up by every child Python of a unit-tier test (tests/tiers.py puts this folder on PYTHONPATH).

At exit it writes to the file named by UNIT_TIER_GUARD_LOG which of torch, sentence_transformers
and transformers the process had imported, so the test that started it fails: the unit tier
never loads the real embedding model, not even in a ``python -m qa ...`` it runs.
"""

import atexit
import os
import sys


def _report() -> None:
    loaded = [name for name in ("torch", "sentence_transformers", "transformers") if name in sys.modules]
    log = os.environ.get("UNIT_TIER_GUARD_LOG")
    if loaded and log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(" ".join(loaded) + "\n")


atexit.register(_report)
