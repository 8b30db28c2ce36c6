"""Each cost center's month against its monthly budget (``budget`` in the master list).

Spent is the cost center's charge on the statements (the Summary's net charge) in the
budget's currency. For a provisional month still under way, a straight-line projection:
spent so far times the days of the month over the days elapsed when the run was made (AWS
delivers usage up to a day late, so early in a month the projection runs low; the
statements say so by their status line).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from chargeback.allocate.allocation import Allocation
from chargeback.settings.model import Period
from chargeback.settings.rules import AlertThresholds

CENT = Decimal("0.01")

#: Why a cost center is flagged, worst first (the order alerts are listed in).
OVER_BUDGET = "over_budget"
PROJECTED_OVER = "projected_over_budget"
NEAR_BUDGET = "near_budget"


@dataclass(frozen=True)
class BudgetLine:
    cost_center: str
    currency: str
    budget: Decimal
    spent: Decimal
    remaining: Decimal
    #: spent / budget, in percent, two decimals (None for a budget of 0).
    used_pct: Decimal | None
    #: The month's straight-line projection while it is under way; None once it has ended.
    projected: Decimal | None
    #: ``OVER_BUDGET``, ``PROJECTED_OVER``, ``NEAR_BUDGET`` or "" (within budget).
    flag: str


def month_elapsed(period: Period, now: datetime) -> tuple[int, int] | None:
    """(days elapsed, days in the month) while ``period`` is under way at ``now``; None
    once it has ended (or before it started)."""
    days = calendar.monthrange(period.year, period.month)[1]
    today = now.astimezone(UTC).date()
    if not period.start <= today < period.end:
        return None
    return (today - period.start).days + 1, days


def budget_lines(
    allocation: Allocation, period: Period, now: datetime, thresholds: AlertThresholds
) -> tuple[BudgetLine, ...]:
    """A line per cost center of the master list that has a budget, in master-list order."""
    spent: dict[tuple[str, str], Decimal] = {}
    currencies = [t.currency for t in allocation.totals]
    for totals in allocation.totals:
        for cc in totals.cost_centers:
            spent[(cc.cost_center, cc.currency)] = cc.amount
    elapsed = month_elapsed(period, now)
    result = []
    for entry in allocation.master:
        if entry.budget is None:
            continue
        currency = entry.budget_currency or (currencies[0] if currencies else "USD")
        amount = spent.get((entry.code, currency), Decimal("0.00"))
        used = None if entry.budget == 0 else (amount * 100 / entry.budget).quantize(CENT)
        projected = None
        if elapsed is not None:
            done, days = elapsed
            projected = (amount * days / done).quantize(CENT, ROUND_HALF_UP)
        if amount > entry.budget:
            flag = OVER_BUDGET
        elif projected is not None and projected > entry.budget:
            flag = PROJECTED_OVER
        elif used is not None and used >= thresholds.budget_warn_pct:
            flag = NEAR_BUDGET
        else:
            flag = ""
        result.append(
            BudgetLine(
                entry.code,
                currency,
                entry.budget,
                amount,
                entry.budget - amount,
                used,
                projected,
                flag,
            )
        )
    return tuple(result)
