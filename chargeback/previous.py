"""Last month's charges, from the previous run published at the destination.

Locally that is ``OUT/YYYY-MM/run.json``; on S3 the month's ``current.json``, which carries
the published run's totals. The Summary shows them next to this month's when they exist. A
previous run that is missing or unreadable only means the comparison is left out: it never
stops this month's statements.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .config import Period
from .errors import ChargebackError
from .publish import Destination, LocalDestination


@dataclass(frozen=True)
class PreviousRun:
    uri: str
    #: (cost center, currency) -> amount charged last month.
    amounts: dict[tuple[str, str], Decimal]


def previous_run(destination: Destination, period: Period) -> PreviousRun | None:
    """The run of the month before ``period`` at ``destination``, if one was published."""
    month = str(period.previous())
    try:
        if isinstance(destination, LocalDestination):
            path = destination.root / month / "run.json"
            uri, doc = str(path), json.loads(Path(path).read_text(encoding="utf-8"))
        else:
            published = getattr(destination, "published", None)  # S3: the month's pointer
            doc = published(month) if published is not None else None
            uri = destination.location(month)
        return None if doc is None else PreviousRun(uri, _amounts(doc))
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
