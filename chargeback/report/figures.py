"""The figures the pictures show, computed once for the workbook's charts and report.html:
spend by model and spend by month, in one currency, from the rounded statements (so each
picture's parts add up to the month's total to the cent)."""

from __future__ import annotations

from decimal import Decimal

from chargeback.allocate.allocation import Allocation
from chargeback.report.alerts import MonthAlerts

#: Bars or series a picture shows; the rest are summed as one.
TOP = 10
TOP_CENTERS = 25
TREND_SERIES = 6
NO_MODEL = "(no model: tax, credits, fees)"
OTHER = "Other"


def model_spend(allocation: Allocation, currency: str) -> list[tuple[str, Decimal]]:
    """The month's spend per model in ``currency`` (cost centers and UNATTRIBUTED), largest
    first; past ``TOP`` models, the rest as ``Other``."""
    sums: dict[str, Decimal] = {}
    for totals in allocation.totals:
        if totals.currency != currency:
            continue
        for line in (ln for cc in totals.cost_centers for ln in cc.lines):
            name = line.model or NO_MODEL
            sums[name] = sums.get(name, Decimal("0.00")) + line.amount
    ranked = sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) > TOP:
        rest = sum((a for _, a in ranked[TOP - 1 :]), Decimal("0.00"))
        ranked = [*ranked[: TOP - 1], (OTHER, rest)]
    return ranked


def center_spend(allocation: Allocation, currency: str) -> list[tuple[str, Decimal]]:
    """Cost centers' charges in ``currency`` (UNATTRIBUTED last), in statement order."""
    return [
        (cc.cost_center, cc.amount)
        for t in allocation.totals
        if t.currency == currency
        for cc in t.cost_centers
    ]


def center_bars(allocation: Allocation, currency: str) -> list[tuple[str, Decimal]]:
    """The cost centers' bars: all of them, in statement order, up to ``TOP_CENTERS``;
    past that the largest, then the rest as one ``Other (N cost centers)`` bar."""
    centers = center_spend(allocation, currency)
    if len(centers) <= TOP_CENTERS:
        return centers
    ranked = sorted(centers, key=lambda kv: (-kv[1], kv[0]))
    rest = ranked[TOP_CENTERS - 1 :]
    total = sum((a for _, a in rest), Decimal("0.00"))
    return [*ranked[: TOP_CENTERS - 1], (f"{OTHER} ({len(rest):,} cost centers)", total)]


def trend_table(
    alerts: MonthAlerts, allocation: Allocation, currency: str, current_label: str
) -> tuple[list[str], list[tuple[str, list[Decimal]]]]:
    """Series names (this month's largest cost centers, then ``Other``) and one row per month,
    oldest first, the current month last, named ``current_label``."""
    current = dict(center_spend(allocation, currency))
    months = alerts.trend(currency, current)
    ranked = sorted(current, key=lambda n: (-current[n], n))
    for _, amounts in months:
        ranked += [n for n in sorted(amounts) if n not in ranked]
    names = ranked[:TREND_SERIES]
    other = len(ranked) > TREND_SERIES
    rows = []
    for period, amounts in months:
        row = [amounts.get(n, Decimal("0.00")) for n in names]
        if other:
            row.append(sum((a for n, a in amounts.items() if n not in names), Decimal("0.00")))
        rows.append((period or current_label, row))
    return [*names, *([OTHER] if other else [])], rows
