"""A sample history: three generated months (2026-08, 2026-09, 2026-10) of one export,
published one after the other into one ``--out``, with budgets in the master list.

October is run on 2026-10-20 (provisional, 20 of 31 days), so its budget lines carry a
straight-line projection and its anomaly check compares that projection with the median of
August and September. The amounts are drawn from a seeded generator; the expected figures
are computed from the rows (``expected_*``), never from the tool's output.

What the months hold, by design:
- CC-1001 spends steadily on Nova Pro; its budget is under what it is on course for
  (projected over budget);
- CC-2002's Claude Sonnet 4.6 spend jumps in October (an anomaly per model and per cost
  center);
- CC-3003 is over its budget outright.
"""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from chargeback.pipeline import run
from chargeback.results import RunResult
from chargeback.settings.model import Period, RunConfig
from chargeback.settings.rules import AllocationRules, CostCenter
from tests.support.builders import tagged, write

MONTHS = ("2026-08", "2026-09", "2026-10")
#: When each month is run: the first two after they ended, October on its 20th day.
RUN_AT = {
    "2026-08": datetime(2026, 9, 3, 8, 0, tzinfo=UTC),
    "2026-09": datetime(2026, 10, 3, 8, 0, tzinfo=UTC),
    "2026-10": datetime(2026, 10, 20, 8, 0, tzinfo=UTC),
}
ELAPSED, DAYS = 20, 31
BUDGETS = {"CC-1001": Decimal("250.00"), "CC-2002": Decimal("5000.00"), "CC-3003": Decimal("50.00")}
NOVA = {"model": "Nova Pro", "provider": "Amazon"}
#: The statements' name for each model above (bedrock_taxonomy.toml's canonical names).
CANONICAL = {"Nova Pro": "Amazon Nova Pro", "Claude Sonnet 4.6": "Claude Sonnet 4.6"}
CLAUDE = {"model": "Claude Sonnet 4.6", "provider": "Anthropic"}
#: (cost center, model, project, usage type) -> typical daily-ish amount per line.
STREAMS: list[tuple[str, dict[str, str], str, str, float]] = [
    ("CC-1001", NOVA, "p-support", "USE1-NovaPro-input-tokens", 9.0),
    ("CC-2002", CLAUDE, "p-research", "USE1-Claude4.6Sonnet-input-tokens", 6.0),
    ("CC-2002", NOVA, "p-research", "USE1-NovaPro-input-tokens", 3.0),
    ("CC-3003", NOVA, "p-analytics", "USE1-NovaPro-output-tokens", 4.0),
]


def month_rows(period: str, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for cc, product, project, usage_type, typical in STREAMS:
        lines = 20 if period == "2026-10" else 30  # October: 20 days delivered so far
        scale = 6.0 if (period == "2026-10" and product is CLAUDE) else 1.0
        for i in range(lines):
            cost = round(typical * scale * rng.uniform(0.9, 1.1), 2)
            rows.append(
                {
                    **tagged(project, cc, cost, line_item_usage_type=usage_type, product=product),
                    "bill_billing_period_start_date": datetime.strptime(period, "%Y-%m"),
                    "identity_line_item_id": f"{period}-{cc}-{usage_type}-{i}",
                }
            )
    return rows


def write_history_export(folder: Path, seed: int = 15) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = [r for m in MONTHS for r in month_rows(m, rng)]
    write(folder / "data" / "part-1.parquet", rows)
    return rows


def master() -> tuple[CostCenter, ...]:
    return tuple(
        CostCenter(code, name=f"{code} team", budget=budget, budget_currency="USD")
        for code, budget in BUDGETS.items()
    )


def publish_history(
    tmp: Path, out: str | None = None
) -> tuple[list[dict[str, Any]], dict[str, RunResult]]:
    """The export and the three months published in ``out`` (default ``tmp/out``; an
    ``s3://`` URI publishes to S3), oldest first."""
    rows = write_history_export(tmp / "export")
    results = {}
    for month in MONTHS:
        config = RunConfig(
            source=str(tmp / "export"),
            period=Period.parse(month),
            out=out or str(tmp / "out"),
            rules=AllocationRules(master=master()),
        )
        results[month] = run(config, now=RUN_AT[month])
    return rows, results


# -- the figures, computed from the rows ------------------------------------------------------


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def spent(rows: list[dict[str, Any]], month: str, cc: str, model: str | None = None) -> Decimal:
    """Exact sum of the month's costs for a cost center (and model), rounded to the cent."""
    total = Decimal(0)
    for r in rows:
        if r["bill_billing_period_start_date"].strftime("%Y-%m") != month:
            continue
        if r["resource_tags"].get("user_cost_center") != cc:
            continue
        if model is not None and r["product"]["model"] != model:
            continue
        total += Decimal(repr(r["line_item_net_unblended_cost"]))
    return cents(total)


def projected(amount: Decimal) -> Decimal:
    return cents(amount * DAYS / ELAPSED)


def median_of(values: list[Decimal]) -> Decimal:
    return cents(Decimal(statistics.median(values)))
