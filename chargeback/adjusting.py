"""A run for a closed month (issue 18): the restated statements become an adjustment set
beside the closed one; the closed set and the month's pointer are never touched.

The restated set is rendered as any run's, into a private folder; its lines are compared
with the baseline, read back from the published files: the closed set's lines CSV, or the
last adjustment's ``restated/`` lines (closed + all earlier adjustments). If nothing changed
a ``no-adjustment`` event is recorded and nothing else is written. Otherwise the adjustment
set (``restated/``, the adjustment CSVs, the journal, ``adjustment.json``) is kept under its
id and an ``adjustment`` event is appended, but only if the baseline is still the latest;
if another run adjusted the month meanwhile (a duplicate delivery), this one's set is
discarded and compared again with the new baseline, so a duplicate records no adjustment.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from chargeback.allocate.allocation import Allocation
from chargeback.allocate.restatement import Restatement, compare
from chargeback.errors import ConfigError, MonthStateError, OutputError, TransientOutputError
from chargeback.publish import history
from chargeback.publish.destination import Destination
from chargeback.publish.history import Event
from chargeback.report.adjustments import (
    JOURNAL,
    LINES,
    SUMMARY,
    AdjustmentRef,
    adjustment_journal_lines,
    write_adjustment_csvs,
    write_adjustment_journal,
)
from chargeback.report.safety import csv_raw
from chargeback.report.templates import Templates
from chargeback.report.xlsx.adjustment import write_adjustment_workbook
from chargeback.results import AdjustmentInfo, RunResult
from chargeback.settings.model import Period, RunConfig

RESTATED = "restated"
RECORD = "adjustment.json"
WORKBOOK = "adjustment.xlsx"
#: What an adjusting run's ``RunResult.outputs`` names (nothing when unchanged).
OUTPUTS = {
    "summary": SUMMARY,
    "lines": LINES,
    "journal": JOURNAL,
    "workbook": WORKBOOK,
    "record": RECORD,
    "restated": RESTATED,
}
ADJUSTED = "adjusted"
UNCHANGED = "unchanged"
_ATTEMPTS = 8


class _BaselineMoved(Exception):
    """Another run recorded an adjustment (or reopened the month) since the comparison."""


def adjust_closed_month(
    destination: Destination,
    config: RunConfig,
    close: Event,
    write_set: Callable[[Path], RunResult],
    templates: Templates,
    allocation: Allocation,
    now: datetime,
    say: Callable[[str], None],
) -> RunResult:
    period = str(config.period)
    post = config.post_period or Period(now.year, now.month)
    if (post.year, post.month) <= (config.period.year, config.period.month):
        raise ConfigError(
            f"--post-period {post} is not after {period}: an adjustment of a closed month is "
            "booked in a later, open period"
        )
    lines_name = f"chargeback-{period}-lines.csv"
    with tempfile.TemporaryDirectory(prefix="chargeback-restated-") as temp:
        restated_dir = Path(temp) / RESTATED
        restated_dir.mkdir()
        result = write_set(restated_dir)
        restated_rows = _rows((restated_dir / lines_name).read_bytes())
        for _ in range(_ATTEMPTS):
            events = destination.events(period)
            in_force = history.in_force_close(events)
            if in_force is None:
                raise MonthStateError(
                    f"{period} was reopened while this run was writing: nothing was written; "
                    "run again"
                )
            close = in_force
            base_kind, base_id = _baseline(events, close)
            base_name = lines_name if base_kind == history.RUN else f"{RESTATED}/{lines_name}"
            data = destination.read_recorded(period, base_kind, base_id, base_name)
            _verify(data, _recorded_digest(events, close, base_kind, base_id, base_name), period)
            baseline = _rows(data)
            restatement = compare(baseline, restated_rows)
            try:
                info = _record(
                    destination,
                    period,
                    post,
                    close,
                    base_id,
                    restatement,
                    result,
                    restated_dir,
                    templates,
                    allocation,
                    now,
                )
            except _BaselineMoved:
                continue
            _remove_orphans(destination, period)
            say(f"{period} is closed: {info.status}")
            where = info.location or destination.location(period)
            outputs = {
                key: f"{info.location.rstrip('/')}/{name}"
                for key, name in OUTPUTS.items()
                if info.location
            }
            return replace(result, output_dir=where, outputs=outputs, adjustment=info)
    raise TransientOutputError(
        f"other runs kept adjusting {period} while this one compared: try again"
    )


def _record(
    destination: Destination,
    period: str,
    post: Period,
    close: Event,
    base_id: str,
    restatement: Restatement,
    result: RunResult,
    restated_dir: Path,
    templates: Templates,
    allocation: Allocation,
    now: datetime,
) -> AdjustmentInfo:
    closed_run = str(close.body.get("run_id"))
    at = now.isoformat()
    version = result.source.version

    def decide(events: list[Event]) -> dict[str, Any]:
        current = history.in_force_close(events)
        if current is None or current.seq != close.seq or _baseline(events, close)[1] != base_id:
            raise _BaselineMoved
        return body

    common = {
        "run_id": result.run_id,
        "closed_run": closed_run,
        "close": close.seq,
        "against": base_id,
        "at": at,
        "source_version": version,
        "totals": [
            {"currency": t.currency, "total": f"{t.export_bedrock_total:.2f}"}
            for t in result.totals
        ],
    }
    if restatement.unchanged:
        body: dict[str, Any] = {**common, "status": UNCHANGED}
        history.append(destination, period, history.NO_ADJUSTMENT, decide)
        return AdjustmentInfo(UNCHANGED, None, closed_run, str(post), restatement.centers, 0)

    adjustment_id = f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:12]}"
    ref = AdjustmentRef(Period.parse(period), post, closed_run, adjustment_id)
    body = {
        **common,
        "status": ADJUSTED,
        "adjustment_id": adjustment_id,
        "post_period": str(post),
        "adjustments": _deltas(restatement),
        "line_changes": len(restatement.changes),
        "lines_sha256": hashlib.sha256((restated_dir / _lines(period)).read_bytes()).hexdigest(),
    }
    try:
        with destination.adjustment_staging(period, adjustment_id) as stage:
            shutil.copytree(restated_dir, stage / RESTATED)
            write_adjustment_csvs(stage, restatement)
            journal = adjustment_journal_lines(
                restatement,
                ref,
                templates.journal,
                lambda cc: e.gl_account if (e := allocation.master_entry(cc)) else None,
                templates.workbook.company,
            )
            write_adjustment_journal(stage / JOURNAL, journal, ref, templates.journal)
            write_adjustment_workbook(
                stage / WORKBOOK,
                restatement,
                [
                    ("Billing period", period),
                    ("Closed run", closed_run),
                    ("Compared with", base_id),
                    ("Adjustment", adjustment_id),
                    ("Booked in", str(post)),
                    ("Restated run", result.run_id),
                ],
                f"{templates.workbook.company} Amazon Bedrock chargeback {period}: "
                f"adjustment".strip(),
                templates.workbook,
            )
            record = {"billing_period": period, **body}
            (stage / RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    except OSError as e:
        raise OutputError(
            f"cannot write the adjustment of {period} ({e}); the closed set is unchanged"
        ) from e
    try:
        history.append(destination, period, history.ADJUSTMENT, decide)
    except BaseException:
        destination.discard_adjustment(period, adjustment_id)
        raise
    return AdjustmentInfo(
        ADJUSTED,
        adjustment_id,
        closed_run,
        str(post),
        restatement.centers,
        len(restatement.changes),
        destination.adjustment_location(period, adjustment_id),
    )


def _remove_orphans(destination: Destination, period: str) -> None:
    """Remove the adjustment sets no event records that can never be recorded any more: a
    run killed between writing its set and recording it leaves one behind.

    A set can still be recorded only while the month is under the close it was made for and
    its baseline (``against``) is still the latest (``_record``'s ``decide``); a set another
    run is writing now is one of those, so it stays. Best effort: the next run tries again.
    """
    try:
        events = destination.events(period)
        recorded = history.recorded_adjustments(events)
        close = history.in_force_close(events)
        baseline = _baseline(events, close)[1] if close is not None else None
        for set_id, record in destination.adjustment_sets(period).items():
            if set_id in recorded:
                continue
            live = (
                record is not None
                and close is not None
                and record.get("close") == close.seq
                and record.get("against") == baseline
            )
            if not live:
                destination.discard_adjustment(period, set_id)
    except (OutputError, OSError):
        pass


def _lines(period: str) -> str:
    return f"chargeback-{period}-lines.csv"


def _recorded_digest(
    events: list[Event], close: Event, kind: str, record_id: str, name: str
) -> str | None:
    """The SHA-256 the history recorded for the baseline's lines CSV."""
    if kind == history.RUN:
        files = close.body.get("files")
        return str(files.get(name)) if isinstance(files, dict) and name in files else None
    for event in events:
        if event.kind == history.ADJUSTMENT and event.body.get("adjustment_id") == record_id:
            digest = event.body.get("lines_sha256")
            return str(digest) if digest else None
    return None


def _verify(data: bytes, recorded: str | None, period: str) -> None:
    """The booked lines are the bytes the history recorded (tamper-evident)."""
    if recorded is not None and hashlib.sha256(data).hexdigest() != recorded:
        raise OutputError(
            f"the booked statement lines of {period} do not match the SHA-256 the month's "
            "history recorded: a closed or adjusted file was changed; restore it from a backup"
        )


def _baseline(events: list[Event], close: Event) -> tuple[str, str]:
    """What the next adjustment is computed against: the last adjustment since the close,
    else the closed set."""
    adjustments = [e for e in events if e.kind == history.ADJUSTMENT and e.seq > close.seq]
    if adjustments:
        return history.ADJUSTMENT, str(adjustments[-1].body.get("adjustment_id"))
    return history.RUN, str(close.body.get("set"))


def _deltas(restatement: Restatement) -> list[dict[str, Any]]:
    out = []
    for currency in restatement.currencies():
        closed, restated = restatement.total(currency)
        out.append(
            {
                "currency": currency,
                "closed": f"{closed:.2f}",
                "restated": f"{restated:.2f}",
                "adjustment": f"{restated - closed:.2f}",
                "cost_centers": {
                    c.cost_center: {
                        "closed": f"{c.closed:.2f}",
                        "restated": f"{c.restated:.2f}",
                        "adjustment": f"{c.adjustment:.2f}",
                    }
                    for c in restatement.centers
                    if c.currency == currency
                },
            }
        )
    return out


def _rows(data: bytes) -> list[dict[str, str]]:
    """The rows of a lines CSV with the values as they were before the CSV disarmed them
    (``=x`` stored as ``'=x``): the adjustment's files disarm them again for their format."""
    rows = csv.DictReader(io.StringIO(data.decode("utf-8")))
    return [{k: csv_raw(v or "") for k, v in row.items()} for row in rows]
