"""Is this month's spend normal? Each cost center, and each cost center's model, against the
median of the months published before it to the same ``--out`` (read by the pipeline through
``publish/published.py``, as ``run_record.PublishedMonth``). A month published but unreadable
is not counted; the check's note names it and says why.

Flagged when the month is above ``month_ratio`` times that median and at least
``min_amount`` (``[alerts]`` in chargeback.toml); while the month is under way its
straight-line projection is compared, as a partial month would look low against whole ones.
With fewer than ``min_months`` previous months there is no flag, and the check says so.

Inside the month, each cost center's usage days (``Allocation.daily``: the day the lines'
usage started, queries/45_daily_spend.sql) are compared with the median of its other days
with spend this month: a day above ``day_ratio`` times that median and at least
``min_day_amount`` is flagged. This needs no history, only ``MIN_OTHER_DAYS`` other days.
``day_ratio = 0`` turns it off (the scan then does not sum each group's days).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from chargeback.allocate.allocation import Allocation
from chargeback.run_record import PublishedMonth, UnreadableMonth
from chargeback.settings.rules import AlertThresholds

CENT = Decimal("0.01")
#: A day is compared only when the cost center has at least this many other days with spend.
MIN_OTHER_DAYS = 3


@dataclass(frozen=True)
class SpendByModel:
    """One cost center's charge for one model (model "": lines of no model, such as tax)."""

    cost_center: str
    model: str
    currency: str
    amount: Decimal


@dataclass(frozen=True)
class Anomaly:
    cost_center: str
    #: "" when the flag is for the cost center as a whole.
    model: str
    currency: str
    #: This month's charge, or its projection while the month is under way (``projected``).
    amount: Decimal
    projected: bool
    #: The median of the previous months compared, and how many there were.
    median: Decimal
    months: int
    #: amount / median, two decimals.
    ratio: Decimal


@dataclass(frozen=True)
class DayAnomaly:
    """A cost center's usage day far above its month's usual day."""

    cost_center: str
    currency: str
    #: 'YYYY-MM-DD'.
    day: str
    amount: Decimal
    #: The median of the cost center's other days with spend this month, and how many.
    median: Decimal
    days: int
    #: amount / median, two decimals.
    ratio: Decimal


@dataclass(frozen=True)
class AnomalyCheck:
    #: The previous months found (newest first).
    history: tuple[str, ...]
    #: Enough history to compare: at least ``min_months`` previous months.
    enough: bool
    #: One line saying what was compared, or why nothing was (months, then days).
    note: str
    flags: tuple[Anomaly, ...]
    #: Days inside the month far above the month's usual day (needs no history).
    days: tuple[DayAnomaly, ...] = ()


def spend_by_model(allocation: Allocation) -> tuple[SpendByModel, ...]:
    """Each cost center's charge per model, from its rounded lines (so a cost center's models
    add up to its charge to the cent), largest first within a cost center."""
    sums: dict[tuple[str, str, str], Decimal] = {}
    for totals in allocation.totals:
        for cc in totals.cost_centers:
            for line in cc.lines:
                key = (cc.cost_center, line.model, cc.currency)
                sums[key] = sums.get(key, Decimal("0.00")) + line.amount
    return tuple(
        SpendByModel(*key, amount)
        for key, amount in sorted(sums.items(), key=lambda kv: (kv[0][0], kv[0][2], -kv[1]))
    )


def check_anomalies(
    allocation: Allocation,
    history: Sequence[PublishedMonth],
    thresholds: AlertThresholds,
    scale: tuple[int, int] | None = None,
    unreadable: Sequence[UnreadableMonth] = (),
) -> AnomalyCheck:
    """This month against ``history``; ``scale`` (days elapsed, days in the month) while
    the month is under way, to compare its straight-line projection. ``unreadable``: months
    published whose record could not be read, not counted and named in the note."""
    periods = tuple(m.period for m in history)
    need = thresholds.min_months
    days, day_note = check_days(allocation, thresholds)
    skipped = "".join(
        f"; {u.period} not counted, its record could not be read: {u.reason}" for u in unreadable
    )
    if len(history) < need:
        shown = f" ({', '.join(periods)})" if periods else ""
        note = (
            f"not enough history to flag anomalies: {len(history)} previous month(s) "
            f"published in this output folder{shown}, {need} needed; no anomaly flags{skipped}"
        )
        return AnomalyCheck(periods, False, note + day_note, (), days)
    flags: list[Anomaly] = []
    current = {
        (cc.cost_center, cc.currency): cc.amount for t in allocation.totals for cc in t.cost_centers
    }
    flags += _flags(
        ((cc, "", cur, a) for (cc, cur), a in current.items()),
        [m.amounts for m in history],
        lambda key: (key[0], key[2]),
        thresholds,
        scale,
    )
    with_models = [m.models for m in history if m.models is not None]
    model_note = ""
    if len(with_models) >= need:
        flags += _flags(
            ((s.cost_center, s.model, s.currency, s.amount) for s in spend_by_model(allocation)),
            with_models,
            lambda key: key,
            thresholds,
            scale,
        )
    else:
        model_note = (
            f"; models not compared: {len(with_models)} of them recorded spend by model, "
            f"{need} needed"
        )
    note = (
        f"compared with the median of {len(history)} previous month(s) ({', '.join(periods)}): "
        f"flagged above {thresholds.month_ratio} times the median and at least "
        f"{thresholds.min_amount}{model_note}{skipped}"
    )
    flags.sort(key=lambda f: (-f.ratio, f.cost_center, f.model))
    return AnomalyCheck(periods, True, note + day_note, tuple(flags), days)


def check_days(
    allocation: Allocation, thresholds: AlertThresholds
) -> tuple[tuple[DayAnomaly, ...], str]:
    """Each cost center's days against the median of its other days with spend this month,
    and the note's part saying what was compared."""
    if not thresholds.by_day:
        return (), "; days inside the month not compared (alerts.day_ratio = 0)"
    by_center: dict[tuple[str, str], list[tuple[str, Decimal]]] = {}
    for d in allocation.daily:
        if d.amount > 0:
            by_center.setdefault((d.cost_center, d.currency), []).append((d.day, d.amount))
    found: list[DayAnomaly] = []
    for (cc, currency), days in by_center.items():
        if len(days) - 1 < MIN_OTHER_DAYS:
            continue
        for i, (day, amount) in enumerate(days):
            if amount < thresholds.min_day_amount:
                continue
            others = [a for j, (_, a) in enumerate(days) if j != i]
            median = Decimal(statistics.median(others)).quantize(CENT, ROUND_HALF_UP)
            if median <= 0 or amount <= median * thresholds.day_ratio:
                continue
            ratio = (amount / median).quantize(CENT, ROUND_HALF_UP)
            found.append(DayAnomaly(cc, currency, day, amount, median, len(others), ratio))
    found.sort(key=lambda f: (-f.ratio, f.cost_center, f.day))
    note = (
        f"; days inside the month: each cost center's usage day compared with the median of "
        f"its other days with spend (at least {MIN_OTHER_DAYS}), flagged above "
        f"{thresholds.day_ratio} times it and at least {thresholds.min_day_amount}"
    )
    return tuple(found), note


def _flags(
    rows: Iterable[tuple[str, str, str, Decimal]],
    months: Sequence[dict[Any, Decimal]],
    key_of: Any,
    thresholds: AlertThresholds,
    scale: tuple[int, int] | None,
) -> list[Anomaly]:
    found = []
    for cc, model, currency, amount in rows:
        if model == "" and key_of((cc, model, currency)) != (cc, currency):
            continue  # lines of no model (tax, credits) are not a model's spend
        basis = amount
        if scale is not None:
            basis = (amount * scale[1] / scale[0]).quantize(CENT, ROUND_HALF_UP)
        if basis < thresholds.min_amount:
            continue
        key = key_of((cc, model, currency))
        previous = [m.get(key, Decimal("0.00")) for m in months]
        median = Decimal(statistics.median(previous)).quantize(CENT, ROUND_HALF_UP)
        if median <= 0 or basis <= median * thresholds.month_ratio:
            continue
        found.append(
            Anomaly(
                cc,
                model,
                currency,
                basis,
                scale is not None,
                median,
                len(months),
                (basis / median).quantize(CENT, ROUND_HALF_UP),
            )
        )
    return found
