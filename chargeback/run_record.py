"""A published run's record (its ``run.json``) as figures to compare months with: the one
parse that ``chargeback trend`` (through ``publish/published.py``, which does the reading)
and the anomaly check (``report/anomalies.py``) share.

Pure: no I/O. A record that is not a chargeback run record raises ``OutputError`` naming
where it came from; what to do about that (stop a trend, or leave the month out of an
anomaly median and say so) is the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from chargeback.errors import OutputError


@dataclass(frozen=True)
class PublishedMonth:
    """One month's published run."""

    period: str
    #: Where its record is (``run.json``, or on S3 the run's ``run.json`` current.json names).
    uri: str
    #: "final" or "provisional" (as the run recorded it).
    status: str
    #: (cost center, currency) -> the amount charged (UNATTRIBUTED included).
    amounts: dict[tuple[str, str], Decimal]
    #: (currency) -> the export's Bedrock total.
    totals: dict[str, Decimal]
    #: (cost center, model, currency) -> charge, from ``spend_by_model``; None for runs of
    #: versions that did not record it.
    models: dict[tuple[str, str, str], Decimal] | None
    #: The record's members these figures come from (``RECORD_KEYS``), as published: a
    #: reader does not hold the rest of a 160 MB record of 86,000 cost centers.
    record: dict[str, Any]


@dataclass(frozen=True)
class UnreadableMonth:
    """A month published but whose record could not be read, and why (one line)."""

    period: str
    reason: str


#: The top-level keys of run.json that ``parse_run_record`` reads: publishing's readers take
#: only these (``publish.history.fields_of``), not a 160 MB record of 86,000 cost centers whole.
RECORD_KEYS: tuple[str, ...] = ("totals", "spend_by_model", "status")


def parse_run_record(period: str, uri: str, record: Any) -> PublishedMonth:
    """``record`` (a run.json as loaded) as ``period``'s figures; ``uri`` names it in errors."""
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
    models: dict[tuple[str, str, str], Decimal] | None = None
    if record.get("spend_by_model") is not None:
        try:
            models = {}
            for row in record["spend_by_model"]:
                key = (str(row["cost_center"]), str(row["model"]), str(row["currency"]))
                models[key] = models.get(key, Decimal(0)) + Decimal(str(row["amount"]))
        except (KeyError, TypeError, AttributeError, InvalidOperation) as e:
            raise OutputError(
                f"{uri} is not a chargeback run record (its spend_by_model: {e!r}): "
                "restore it from a backup, or run the month again"
            ) from e
    return PublishedMonth(
        period=period,
        uri=uri,
        status=str(record.get("status", "final")),
        amounts=amounts,
        totals=totals,
        models=models,
        record=record,
    )
