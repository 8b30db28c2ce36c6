"""A month with one spiking day: hourly lines over the 1st to the 20th of October 2026, where
CC-2002 spends about twenty times its usual day on the 14th; CC-1001 spends steadily; a tax
line (dated to the month's first day, as AWS dates tax) is larger than any day, and is not
a day's usage. The expected flags are computed from the rows (``expected_day_flags``),
never from the tool's output."""

from __future__ import annotations

import random
import statistics
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from sample_data.generator.columns import CUR2_TYPES as ALL_CUR2_TYPES
from tests.support.builders import tagged, write

SPIKE_CC, SPIKE_DAY = "CC-2002", "2026-10-14"
CENT = Decimal("0.01")


def _interval(day: int, hour: int) -> str:
    return f"2026-10-{day:02d}T{hour:02d}:00:00Z/2026-10-{day:02d}T{hour + 1:02d}:00:00Z"


def spike_rows(seed: int = 14) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for day in range(1, 21):
        for hour in (3, 9, 15, 21):
            for cc, project, typical in (("CC-1001", "p-support", 2.0), ("CC-2002", "p-lab", 1.5)):
                cost = typical * rng.uniform(0.8, 1.2)
                if cc == SPIKE_CC and f"2026-10-{day:02d}" == SPIKE_DAY:
                    cost *= 20
                rows.append(
                    tagged(
                        project,
                        cc,
                        round(cost, 6),
                        identity_time_interval=_interval(day, hour),
                        identity_line_item_id=f"{cc}-{day}-{hour}",
                    )
                )
    tax = tagged(
        "p-lab",
        "CC-1001",
        400.0,
        line_item_line_item_type="Tax",
        identity_time_interval="2026-10-01T00:00:00Z/2026-11-01T00:00:00Z",
        identity_line_item_id="tax-1",
    )
    return [*rows, tax]


def write_spike_month(folder: Path) -> list[dict[str, Any]]:
    rows = spike_rows()
    write(folder / "data" / "part-1.parquet", rows, types=ALL_CUR2_TYPES)
    return rows


def daily_sums(rows: list[dict[str, Any]]) -> dict[tuple[str, str], Decimal]:
    """(cost center, day) -> the usage lines' exact sum, rounded to the cent."""
    sums: dict[tuple[str, str], Decimal] = {}
    for r in rows:
        if r["line_item_line_item_type"] != "Usage":
            continue
        key = (r["resource_tags"]["user_cost_center"], r["identity_time_interval"][:10])
        sums[key] = sums.get(key, Decimal(0)) + Decimal(repr(r["line_item_net_unblended_cost"]))
    return {k: v.quantize(CENT, ROUND_HALF_UP) for k, v in sums.items()}


def expected_day_flags(
    rows: list[dict[str, Any]], ratio: Decimal = Decimal(3), floor: Decimal = Decimal(10)
) -> dict[tuple[str, str], tuple[Decimal, Decimal, int, Decimal]]:
    """(cost center, day) -> (amount, median of the other days, how many, ratio)."""
    sums = daily_sums(rows)
    found = {}
    for (cc, day), amount in sums.items():
        others = [a for (c, d), a in sums.items() if c == cc and d != day and a > 0]
        median = Decimal(statistics.median(others)).quantize(CENT, ROUND_HALF_UP)
        if amount >= floor and amount > ratio * median:
            found[(cc, day)] = (amount, median, len(others), (amount / median).quantize(CENT))
    return found
