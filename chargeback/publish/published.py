"""Reading what was published: the months of a destination's history, for trends and
comparisons across months (``chargeback trend``; the pipeline's anomaly check).

Each month's record is the published run's ``run.json`` (totals, spend by model, unit
economics, taxonomy): locally ``OUT/YYYY-MM/run.json``; on S3 the one under the prefix the
month's ``current.json`` names. This module does the reading; ``chargeback/run_record.py``
turns a record into figures. A month never published is simply absent. A month whose record
cannot be read or is not a run record stops a trend with the file named (a trend with a
silent hole would mislead); a run comparing itself with earlier months (``months_before``)
sets it aside and names it instead, as this month's statements do not depend on it.
"""

from __future__ import annotations

import io

from chargeback.errors import OutputError
from chargeback.publish.destination import Destination
from chargeback.publish.history import fields_of
from chargeback.run_record import RECORD_KEYS, PublishedMonth, UnreadableMonth, parse_run_record
from chargeback.settings.model import Period

#: How far back ``latest_published`` looks for a published month.
LOOK_BACK_MONTHS = 36
#: At most this many months before a run's are compared with it (``months_before``).
MAX_MONTHS_BEFORE = 6


def published_month(destination: Destination, period: Period) -> PublishedMonth | None:
    """``period``'s published run at ``destination``; None when none was published. A record
    that cannot be read raises ``OutputError`` naming it."""
    try:
        found = destination.published_run(str(period))
    except OSError as e:
        where = destination.location(str(period), "run.json")
        raise OutputError(f"cannot read {where}: {e.strerror}") from e
    except ValueError as e:
        where = destination.location(str(period), "run.json")
        raise OutputError(
            f"{where} is not valid JSON ({e}): restore it from a backup, or run the month again"
        ) from e
    if found is None:
        return None
    uri, record = found
    # S3's pointer: the run's record is its run.json
    if isinstance(record, dict) and "prefix" in record and "run_id" in record:
        uri = f"{record['prefix']}run.json"
        data = destination.read_recorded(str(period), "run", str(record["run_id"]), "run.json")
        try:
            record = fields_of(io.StringIO(data.decode("utf-8")), RECORD_KEYS)
        except ValueError as e:
            raise OutputError(
                f"{uri} is not valid JSON ({e}): restore it from a backup, or run the month again"
            ) from e
    return parse_run_record(str(period), uri, record)


def published_months(destination: Destination, until: Period, months: int) -> list[PublishedMonth]:
    """The months published among the ``months`` months up to ``until``, oldest first."""
    periods = [until]
    while len(periods) < months:
        periods.append(periods[-1].previous())
    found = (published_month(destination, p) for p in reversed(periods))
    return [m for m in found if m is not None]


def months_before(
    destination: Destination, period: Period, months: int = MAX_MONTHS_BEFORE
) -> tuple[list[PublishedMonth], list[UnreadableMonth]]:
    """Up to ``months`` months before ``period`` that were published, newest first, for a
    run to compare itself with; and those published whose record could not be read, with
    why. A run still writes its statements when an earlier month is unreadable, so the
    month is set aside and named (the anomaly check's note says so), never dropped in
    silence."""
    found: list[PublishedMonth] = []
    unreadable: list[UnreadableMonth] = []
    month = period
    for _ in range(min(months, MAX_MONTHS_BEFORE)):
        month = month.previous()
        try:
            published = published_month(destination, month)
        except OutputError as e:
            unreadable.append(UnreadableMonth(str(month), str(e)))
            continue
        if published is not None:
            found.append(published)
    return found, unreadable


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
