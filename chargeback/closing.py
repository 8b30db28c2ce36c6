"""A month's life after its first run: its history, its close and reopen (issue 18).

The front ends call these; reading and writing the records is the destination's
(``chargeback.publish``), deciding what a month's history means is here.
"""

from __future__ import annotations

import getpass
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chargeback.errors import MonthStateError
from chargeback.publish import history
from chargeback.publish.destination import Destination, open_destination
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


def closed_by(out: str, period: Period) -> Event | None:
    """The close ``period`` is under at ``out``, if any."""
    return history.in_force_close(open_destination(out).events(str(period)))


def close_month(
    out: str,
    period: Period,
    *,
    by: str | None = None,
    note: str = "",
    force: bool = False,
    now: datetime | None = None,
) -> Event:
    """Close the month's published set: record its run, totals and files' SHA-256, who,
    when and why, as a ``close`` event. Refused when the month is unpublished or already
    closed, and, without ``force``, when its figures are provisional."""
    month = str(period)
    destination = open_destination(out)
    at = (now or datetime.now(UTC)).replace(microsecond=0).isoformat()
    who = by or _user()
    with destination.exclusive():
        published = destination.published_set(month)
        if published is None:
            raise MonthStateError(
                f"{month} has no published statements in {out}: run "
                f"`chargeback run SOURCE --period {month} --out {out}` first"
            )
        record = published.record
        status = str(record.get("status") or "final")
        reasons = [str(r) for r in record.get("status_reasons", [])]
        if status != "final" and not force:
            raise MonthStateError(
                f"{month} is provisional ({'; '.join(reasons) or 'no reason recorded'}): "
                "closing books these figures as final; close after AWS invoices the month, "
                "or add --force to close it on provisional figures (e.g. to book accruals)"
            )

        def decide(events: list[Event]) -> dict[str, Any]:
            close = history.in_force_close(events)
            if close is not None:
                raise MonthStateError(
                    f"{month} is already closed (history event {close.seq}, run "
                    f"{close.body.get('run_id')}, by {close.body.get('by')} at "
                    f"{close.body.get('at')}): reopen it first with "
                    f"`chargeback reopen --period {month} --reason TEXT`"
                )
            last = history.last_run_set(events)  # None: published before runs were logged
            if last is not None and last != published.set_id:
                raise MonthStateError(
                    f"a run for {month} was publishing while closing it: nothing was "
                    "closed; run `chargeback history` to check and close again"
                )
            return {
                "run_id": record.get("run_id"),
                "set": published.set_id,
                "at": at,
                "by": who,
                "note": note,
                "status": status,
                "status_reasons": reasons,
                "forced": status != "final",
                "source_version": (record.get("source") or {}).get("version"),
                "totals": history.totals_of(record),
                "files": published.digests,
                "seal": seal,
            }

        seal = uuid.uuid4().hex
        destination.seal(month, published.set_id, seal)  # no run can switch it from here
        try:
            event = history.append(destination, month, history.CLOSE, decide)
        except BaseException:
            _unseal_unless_closed(destination, month)
            raise
    assert event is not None  # decide always gives a body or raises
    return event


def reopen_month(
    out: str, period: Period, *, reason: str, by: str | None = None, now: datetime | None = None
) -> Event:
    """Reopen a closed month: recorded; the next run replaces the month's set again."""
    month = str(period)
    if not reason.strip():
        raise MonthStateError("--reason is empty: say why the month is reopened")
    destination = open_destination(out)
    at = (now or datetime.now(UTC)).replace(microsecond=0).isoformat()

    def decide(events: list[Event]) -> dict[str, Any]:
        close = history.in_force_close(events)
        if close is None:
            raise MonthStateError(f"{month} is not closed in {out}: there is nothing to reopen")
        return {
            "at": at,
            "by": by or _user(),
            "reason": reason,
            "reopens": close.seq,
            "run_id": close.body.get("run_id"),
        }

    with destination.exclusive():
        event = history.append(destination, month, history.REOPEN, decide)
        destination.unseal(month)
    assert event is not None
    return event


def _unseal_unless_closed(destination: Destination, month: str) -> None:
    """A close that was not recorded leaves no mark (best effort: an error here must not
    hide the close's own)."""
    try:
        if history.in_force_close(destination.events(month)) is None:
            destination.unseal(month)
    except Exception:
        pass


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
