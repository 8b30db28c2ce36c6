"""A month's life after its first run: its history, its close and reopen (issue 18).

The front ends call these; reading and writing the records is the destination's
(``chargeback.publish``), deciding what a month's history means is here.
"""

from __future__ import annotations

from dataclasses import dataclass

from chargeback.publish import history
from chargeback.publish.destination import open_destination
from chargeback.publish.history import Event
from chargeback.settings.model import Period


@dataclass(frozen=True)
class HistoryRow:
    """One line of ``chargeback history``."""

    seq: int
    event: str
    run_id: str
    at: str
    source_version: str
    #: Currency -> total, as recorded.
    totals: dict[str, str]
    #: provisional, final, closed, adjustment, no adjustment, reopened.
    status: str
    note: str = ""


def month_history(out: str, period: Period) -> list[HistoryRow]:
    """The month's events at ``out``, oldest first; empty when nothing was published."""
    events = open_destination(out).events(str(period))
    closed = {str(e.body.get("set")) for e in events if e.kind == history.CLOSE}
    return [_row(e, closed) for e in events]


def _row(event: Event, closed: set[str]) -> HistoryRow:
    body = event.body
    totals = {
        str(t.get("currency")): str(t.get("total"))
        for t in body.get("totals", [])
        if isinstance(t, dict)
    }
    status = {
        history.CLOSE: "closed",
        history.REOPEN: "reopened",
        history.ADJUSTMENT: "adjustment",
        history.NO_ADJUSTMENT: "no adjustment",
    }.get(event.kind, str(body.get("status", "final")))
    if event.kind == history.RUN and str(body.get("set")) in closed:
        status = f"{status}, closed"
    return HistoryRow(
        seq=event.seq,
        event=event.kind,
        run_id=str(body.get("run_id") or ""),
        at=str(body.get("at") or ""),
        source_version=str(body.get("source_version") or ""),
        totals=totals,
        status=status,
        note=str(body.get("note") or body.get("reason") or ""),
    )
