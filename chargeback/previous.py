"""Last month's charges, from the previous run's ``run.json`` in the output folder.

The Summary shows them next to this month's when they exist. A previous run that is missing
or unreadable only means the comparison is left out: it never stops this month's statements.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .config import Period


@dataclass(frozen=True)
class PreviousRun:
    uri: str
    #: (cost center, currency) -> amount charged last month.
    amounts: dict[tuple[str, str], Decimal]


def previous_run(out: str, period: Period) -> PreviousRun | None:
    """The run of the month before ``period`` in the local folder ``out``, if there is one."""
    if out.startswith("s3://"):
        return None  # TODO(issue 4): read last month's run.json from S3 outputs too
    path = Path(out) / str(period.previous()) / "run.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        amounts: dict[tuple[str, str], Decimal] = {}
        for totals in data["totals"]:
            currency = str(totals["currency"])
            for name, amount in totals["cost_centers"].items():
                amounts[(str(name), currency)] = Decimal(str(amount))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, InvalidOperation):
        return None
    return PreviousRun(str(path), amounts)
