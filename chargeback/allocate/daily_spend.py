"""Each cost center's spend per usage day of the month (queries/45_daily_spend.sql), for the
daily anomaly check (``report/anomalies.py``). Only fetched when the check is on: the scan
sums each group's spend by usage day then (``$by_day`` in queries/13_bedrock_groups.sql, 18)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from chargeback.allocate.engine import Engine
from chargeback.allocate.statements import shared_text

CENT = Decimal("0.01")


@dataclass(frozen=True)
class DaySpend:
    cost_center: str
    currency: str
    #: The usage day, 'YYYY-MM-DD' (UTC: the start of the lines' time interval).
    day: str
    #: The day's usage lines' charge, rounded to the cent.
    amount: Decimal


def daily_spend(engine: Engine, shared: dict[str, str] | None = None) -> tuple[DaySpend, ...]:
    """The allocated usage lines' spend per cost center, currency and day. ``shared``: texts
    already made (the statement lines'), so that each cost center, currency and day is one
    object, not one per row (a row per cost center and day: millions with many cost
    centers, issue 19)."""
    texts = {} if shared is None else shared
    return tuple(
        DaySpend(
            shared_text(str(r["cost_center"]), texts),
            shared_text(str(r["currency"]), texts),
            shared_text(str(r["day"]), texts),
            Decimal(r["amount"]).quantize(CENT, ROUND_HALF_UP),
        )
        for r in engine.stream("45_daily_spend")
    )
