"""Each cost center's spend per usage day of the month (queries/45_daily_spend.sql), for the
daily anomaly check (``report/anomalies.py``). Only fetched when the check is on: the scan
keeps the day in its groups then (``$by_day`` in queries/13_bedrock_groups.sql)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from chargeback.allocate.engine import Engine

CENT = Decimal("0.01")


@dataclass(frozen=True)
class DaySpend:
    cost_center: str
    currency: str
    #: The usage day, 'YYYY-MM-DD' (UTC: the start of the lines' time interval).
    day: str
    #: The day's usage lines' charge, rounded to the cent.
    amount: Decimal


def daily_spend(engine: Engine) -> tuple[DaySpend, ...]:
    """The allocated usage lines' spend per cost center, currency and day."""
    return tuple(
        DaySpend(str(cc), str(currency), str(day), Decimal(amount).quantize(CENT, ROUND_HALF_UP))
        for currency, cc, day, amount in engine.fetch("45_daily_spend").rows
    )
