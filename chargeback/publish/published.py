"""Reading what was published: the months of a destination's history, for trends and
comparisons across months (``chargeback trend``; anomaly detection reads the same).

Each month's record is the published run's ``run.json`` (totals, unit economics, taxonomy):
locally ``OUT/YYYY-MM/run.json``; on S3 the one under the prefix the month's ``current.json``
names. A month never published is simply absent; a month whose record cannot be read or is
not a run record stops the reading with the file named (a trend with a silent hole would
mislead).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from chargeback.errors import OutputError
from chargeback.publish.destination import Destination
from chargeback.settings.model import Period

#: How far back ``latest_published`` looks for a published month.
LOOK_BACK_MONTHS = 36


@dataclass(frozen=True)
class PublishedMonth:
    """One month's published run."""

    period: str
    #: Where its record is (``run.json`` or ``current.json``).
    uri: str
    #: "final" or "provisional" (as the run recorded it).
    status: str
    #: (cost center, currency) -> the amount charged (UNATTRIBUTED included).
    amounts: dict[tuple[str, str], Decimal]
    #: (currency) -> the export's Bedrock total.
    totals: dict[str, Decimal]
    #: The record as published, for figures beyond the totals (unit economics, locally).
    record: dict[str, Any]


def published_month(destination: Destination, period: Period) -> PublishedMonth | None:
    """``period``'s published run at ``destination``; None when none was published."""
    found = destination.published_run(str(period))
    if found is None:
        return None
    uri, record = found
    if "prefix" in record and "run_id" in record:  # S3's pointer: the run's record is its run.json
        uri = f"{record['prefix']}run.json"
        data = destination.read_recorded(str(period), "run", str(record["run_id"]), "run.json")
        try:
            record = json.loads(data)
        except ValueError as e:
            raise OutputError(
                f"{uri} is not valid JSON ({e}): restore it from a backup, or run the month again"
            ) from e
    try:
        amounts: dict[tuple[str, str], Decimal] = {}
        totals: dict[str, Decimal] = {}
        for t in record["totals"]:
            currency = str(t["currency"])
            totals[currency] = Decimal(str(t.get("export_bedrock_total", t.get("total", "0"))))
            for name, amount in t["cost_centers"].items():
                amounts[(str(name), currency)] = Decimal(str(amount))
    except (KeyError, TypeError, AttributeError, InvalidOperation) as e:
        raise OutputError(
            f"{uri} is not a chargeback run record (no totals per cost center: {e!r}): "
            "restore it from a backup, or run the month again"
        ) from e
    return PublishedMonth(
        period=str(period),
        uri=uri,
        status=str(record.get("status", "final")),
        amounts=amounts,
        totals=totals,
        record=record,
    )


def published_months(destination: Destination, until: Period, months: int) -> list[PublishedMonth]:
    """The months published among the ``months`` months up to ``until``, oldest first."""
    periods = [until]
    while len(periods) < months:
        periods.append(periods[-1].previous())
    found = (published_month(destination, p) for p in reversed(periods))
    return [m for m in found if m is not None]


def latest_published(
    destination: Destination, start: Period, look_back: int = LOOK_BACK_MONTHS
) -> Period | None:
    """The latest month published at ``destination``, looking back from ``start``."""
    period = start
    for _ in range(look_back):
        if destination.published_run(str(period)) is not None:
            return period
        period = period.previous()
    return None
