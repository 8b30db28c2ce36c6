"""Named points where a test can hold a run to kill it there (tests/e2e/test_publish_crashes.py).

With ``CHARGEBACK_TEST_PAUSE=<point>`` in its environment, a run that reaches ``<point>``
prints ``chargeback: paused at <point> (pid N)`` on stderr and sleeps until it is killed.
Points: ``scan`` (DuckDB open, its spill folder made), ``write`` (statement writers forked,
staging folder half written), ``writer`` (inside a forked writer), ``publish`` (the complete
set renamed into ``OUT/YYYY-MM.runs/``, the month not yet switched to it). Unset, it costs
one dictionary lookup.
"""

from __future__ import annotations

import os
import sys
import time

VARIABLE = "CHARGEBACK_TEST_PAUSE"


def pause(point: str) -> None:
    if os.environ.get(VARIABLE) != point:
        return
    print(f"chargeback: paused at {point} (pid {os.getpid()})", file=sys.stderr, flush=True)
    while True:
        time.sleep(0.05)
