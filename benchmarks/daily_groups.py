"""What the daily anomaly check costs the scan: the same month read and allocated with the
day kept in the groups (``alerts.day_ratio`` > 0, the default) and without (``day_ratio =
0``), alternately ``--repeat`` times. Prints, per setting, the median seconds of the scan
query (13) and of the whole read and allocation, the groups 13 made, and its day rows (each
group's spend by usage day, its second grouping set: one row without the day). Writes
nothing tracked.

    python benchmarks/generate.py --rows 1000000 --out benchmarks/data/cur-1m
    python benchmarks/daily_groups.py benchmarks/data/cur-1m --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

if not __package__:  # run as a script: import from the repo
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chargeback.allocate.engine import Engine  # noqa: E402
from chargeback.pipeline import read_and_allocate  # noqa: E402
from chargeback.settings.model import Period, RunConfig  # noqa: E402
from chargeback.settings.rules import AlertThresholds  # noqa: E402

#: Filled by the timed ``Engine.execute`` below: scan seconds, groups and day rows of the
#: last run.
_LAST: dict[str, float] = {}
_execute = Engine.execute


def _timed_execute(self: Engine, name: str, params: Mapping[str, Any] | None = None) -> None:
    started = time.perf_counter()
    _execute(self, name, params)
    if name == "13_bedrock_groups":
        _LAST["scan"] = time.perf_counter() - started
        ((groups, days),) = self.con.execute(
            "SELECT count(*) FILTER (WHERE NOT day_row), count(*) FILTER (WHERE day_row) "
            "FROM bedrock_groups"
        ).fetchall()
        _LAST["groups"], _LAST["day_rows"] = groups, days


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source")
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    Engine.execute = _timed_execute  # type: ignore[method-assign]
    base = RunConfig(source=args.source, period=Period.parse(args.period), out="unused")
    settings = {"by day": AlertThresholds(), "no day": AlertThresholds(day_ratio=Decimal(0))}
    figures: dict[str, dict[str, list[float]]] = {k: {} for k in settings}
    for _ in range(args.repeat):
        for name, alerts in settings.items():
            started = time.perf_counter()
            _s, _schema, allocation = read_and_allocate(
                replace(base, alerts=alerts), lambda _p: None
            )
            total = time.perf_counter() - started
            found = figures[name]
            found.setdefault("read_and_allocate_s", []).append(total)
            found.setdefault("scan_13_s", []).append(_LAST["scan"])
            found.setdefault("groups", []).append(_LAST["groups"])
            found.setdefault("day_rows_13", []).append(_LAST["day_rows"])
            found.setdefault("daily_rows", []).append(len(allocation.daily))
    for name, found in figures.items():
        shown = ", ".join(f"{k} {statistics.median(v):,.2f}" for k, v in found.items())
        print(f"{name}: {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
