"""Money rounding, in one place.

Amounts stay exact ``Decimal`` (summed as DECIMAL in DuckDB) until output. Rounding uses the
largest-remainder method so that rounded parts add up exactly to their rounded total: an
accountant who sums a statement's lines gets the statement total, to the cent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from typing import ParamSpec, TypeVar

CENT = Decimal("0.01")
#: Significant digits of Decimal arithmetic in a run. Exact amounts are DECIMAL(38, 12) (26
#: digits before the point, 12 after); Python's default of 28 digits would round a sum of
#: them from 1e16 on, and fail to round one past 1e26 to the cent at all.
PRECISION = 60

_P = ParamSpec("_P")
_R = TypeVar("_R")


def exact_arithmetic(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``function`` with Decimal arithmetic of ``PRECISION`` digits (in this thread, and
    in the writer processes it forks)."""

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with localcontext(prec=PRECISION):
            return function(*args, **kwargs)

    return wrapper


def round_money(amount: Decimal, quantum: Decimal = CENT) -> Decimal:
    """Round half away from zero, as invoices do."""
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def largest_remainder(
    parts: Sequence[Decimal], target: Decimal | None = None, quantum: Decimal = CENT
) -> list[Decimal]:
    """Round ``parts`` to ``quantum`` so that they sum exactly to ``target``.

    ``target`` defaults to the rounded exact sum. Each part is floored, then the units still
    missing go one by one to the parts with the largest remainders (ties: first part first).
    """
    if not parts:
        if target not in (None, Decimal(0)):
            raise ValueError(f"cannot spread {target} over no parts")
        return []
    if target is None:
        target = round_money(sum(parts, Decimal(0)), quantum)
    floors = [p.quantize(quantum, rounding=ROUND_FLOOR) for p in parts]
    missing = int((target - sum(floors, Decimal(0))) / quantum)
    order = sorted(range(len(parts)), key=lambda i: (-(parts[i] - floors[i]), i))
    step = quantum if missing >= 0 else -quantum
    result = list(floors)
    for n in range(abs(missing)):
        result[order[n % len(order)] if step > 0 else order[-1 - n % len(order)]] += step
    return result


def shares_pct(parts: Sequence[Decimal], quantum: Decimal = CENT) -> list[Decimal]:
    """Each part's percentage of the total, rounded so that they add up to exactly 100."""
    total = sum(parts, Decimal(0))
    if total == 0:
        return [Decimal(0).quantize(quantum) for _ in parts]
    return largest_remainder([p * 100 / total for p in parts], Decimal(100).quantize(quantum))
