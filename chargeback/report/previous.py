"""Last month's charges, from the run published before this one at the same destination.

The pipeline reads the months published before this one once, through
``publish/published.py`` (which parses each record with ``chargeback/run_record.py``, as
the trend and the anomaly check do); this picks last month out of them. The Summary shows
its charges next to this month's. A month never published means no comparison. A month
published whose record cannot be read does not stop this month's statements either, but it
is said (a warning on stderr, in ``run.json`` and the Lambda's log line), never a silently
missing comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from chargeback.run_record import PublishedMonth, UnreadableMonth
from chargeback.settings.model import Period


@dataclass(frozen=True)
class PreviousRun:
    uri: str
    #: (cost center, currency) -> amount charged last month.
    amounts: dict[tuple[str, str], Decimal]


@dataclass(frozen=True)
class LastMonth:
    """Last month's run, if published and readable; ``warning`` when it was published but
    its record could not be read (one line: which month, why, what the statements lack)."""

    run: PreviousRun | None
    warning: str | None = None


def previous_run(
    period: Period, published: Sequence[PublishedMonth], unreadable: Sequence[UnreadableMonth]
) -> LastMonth:
    """The run of the month before ``period`` among the months ``published`` before it (and
    those published but ``unreadable``), as ``publish.published.months_before`` finds them."""
    last = str(period.previous())
    for month in published:
        if month.period == last:
            return LastMonth(PreviousRun(month.uri, dict(month.amounts)))
    for bad in unreadable:
        if bad.period == last:
            return LastMonth(
                None,
                f"no comparison with last month: {last} was published but its record "
                f"could not be read ({bad.reason}); the Summary's last-month columns are "
                "left blank",
            )
    return LastMonth(None)
