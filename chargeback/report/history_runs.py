"""The months published before this one to the same ``--out``, as figures to compare with.

Read from each month's published ``run.json`` (locally ``OUT/YYYY-MM/run.json``; on S3 the
month's ``current.json`` names the run, whose ``run.json`` is read): per cost center and
currency the charge (``totals``), and per cost center and model the ``spend_by_model`` block
(runs of versions before it have none: their months count for cost centers only). A month
never published, or whose record cannot be read, is left out, never guessed; this month's
statements never stop on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from chargeback.errors import ChargebackError
from chargeback.settings.model import Period

#: At most this many previous months are read.
MAX_MONTHS = 6

#: A destination's ``published_run``: (where, the record) of a month, None if unpublished.
Published = Callable[[str], tuple[str, Any] | None]
#: A destination's ``read_recorded`` for a published run: (period, run id, name) -> bytes.
Recorded = Callable[[str, str, str], bytes]


@dataclass(frozen=True)
class PublishedMonth:
    period: str
    #: (cost center, currency) -> charge.
    cost_centers: dict[tuple[str, str], Decimal]
    #: (cost center, model, currency) -> charge; None when the run recorded none.
    models: dict[tuple[str, str, str], Decimal] | None


def published_months(
    published: Published, recorded: Recorded, period: Period, months: int = MAX_MONTHS
) -> list[PublishedMonth]:
    """Up to ``months`` months before ``period`` that were published, newest first."""
    found = []
    month = period
    for _ in range(min(months, MAX_MONTHS)):
        month = month.previous()
        doc = _record(published, recorded, str(month))
        if doc is None:
            continue
        try:
            found.append(_figures(str(month), doc))
        except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError):
            continue  # a record this version cannot read: the month is left out
    return found


def _record(published: Published, recorded: Recorded, period: str) -> dict[str, Any] | None:
    try:
        found = published(period)
        if found is None or not isinstance(found[1], dict):
            return None
        doc: dict[str, Any] = found[1]
        if "spend_by_model" not in doc and doc.get("run_id") and "rows" not in doc:
            # S3's current.json: totals only; the run's own run.json has the rest
            full = json.loads(recorded(period, str(doc["run_id"]), "run.json"))
            if isinstance(full, dict):
                doc = full
        return doc
    except (OSError, ValueError, KeyError, TypeError, ChargebackError):
        return None


def _figures(period: str, doc: dict[str, Any]) -> PublishedMonth:
    centers: dict[tuple[str, str], Decimal] = {}
    for totals in doc["totals"]:
        currency = str(totals["currency"])
        for name, amount in totals["cost_centers"].items():
            centers[(str(name), currency)] = Decimal(str(amount))
    models: dict[tuple[str, str, str], Decimal] | None = None
    if isinstance(doc.get("spend_by_model"), list):
        models = {}
        for row in doc["spend_by_model"]:
            key = (str(row["cost_center"]), str(row["model"]), str(row["currency"]))
            models[key] = models.get(key, Decimal(0)) + Decimal(str(row["amount"]))
    return PublishedMonth(period, centers, models)
