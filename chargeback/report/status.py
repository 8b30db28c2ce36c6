"""Is a month's set provisional or final (issue 18)?

Provisional while AWS may still change it: the billing period has not ended, or some of its
Bedrock lines have no invoice id yet (``bill_invoice_id`` empty; AWS fills it in when it
issues the invoice). Final once the period is over and every line is invoiced. Every
statement, the workbook header, the journal's descriptions and ``run.json`` say which.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from chargeback.allocate.allocation import Allocation
from chargeback.settings.model import Period

PROVISIONAL = "provisional"
FINAL = "final"


@dataclass(frozen=True)
class MonthStatus:
    status: str
    #: Why the month is provisional (empty when final).
    reasons: tuple[str, ...] = ()

    @property
    def provisional(self) -> bool:
        return self.status == PROVISIONAL


def month_status(period: Period, allocation: Allocation, now: datetime) -> MonthStatus:
    """The status of ``period``'s figures in ``allocation``, as of ``now`` (UTC)."""
    reasons = []
    end = datetime(period.end.year, period.end.month, period.end.day, tzinfo=UTC)
    if now.astimezone(UTC) < end:
        reasons.append(f"the billing period {period} has not ended (it ends {end:%Y-%m-%d} UTC)")
    uninvoiced = sum(
        int(b.extra.get("line_items") or 0) for b in allocation.by_invoice if not b.keys[0]
    )
    if uninvoiced:
        reasons.append(f"{uninvoiced:,} Bedrock line items have no invoice id yet")
    return MonthStatus(PROVISIONAL if reasons else FINAL, tuple(reasons))
