"""Last month's charges, from the previous run published at the destination.

Locally that is ``OUT/YYYY-MM/run.json``; on S3 the month's ``current.json``, which carries
the published run's totals. The Summary shows them next to this month's when they exist. A
previous run that is missing or unreadable only means the comparison is left out: it never
stops this month's statements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from chargeback.errors import ChargebackError
from chargeback.settings.model import Period


@dataclass(frozen=True)
class PreviousRun:
    uri: str
    #: (cost center, currency) -> amount charged last month.
    amounts: dict[tuple[str, str], Decimal]


def previous_run(
    published: Callable[[str], tuple[str, Any] | None], period: Period
) -> PreviousRun | None:
    """The run of the month before ``period``, from ``published`` (a destination's
    ``published_run``), if one was published and can be read."""
    try:
        found = published(str(period.previous()))
        return None if found is None else PreviousRun(found[0], _amounts(found[1]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, InvalidOperation):
        return None
    except ChargebackError:  # S3 unreachable or denied: no comparison, this month still runs
        return None


def _amounts(doc: Any) -> dict[tuple[str, str], Decimal]:
    amounts: dict[tuple[str, str], Decimal] = {}
    for totals in doc["totals"]:
        currency = str(totals["currency"])
        for name, amount in totals["cost_centers"].items():
            amounts[(str(name), currency)] = Decimal(str(amount))
    return amounts
