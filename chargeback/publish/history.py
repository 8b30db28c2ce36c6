"""A month's append-only history: every run, close, reopen and adjustment, one record each.

Each event is one JSON document named ``<seq>-<kind>.json`` (``000001-run.json``), written
once and never rewritten: locally a file created exclusively (a complete temporary file
hard-linked to its name, which fails if the name exists, so a reader never sees half an
event), on S3 an object put with ``If-None-Match: *``. Two writers that pick the same
sequence number cannot both succeed: the loser reads the log again and decides again, so a
close, say, is decided on the log as it is when it is written (``append``).

Where it lives: ``OUT/YYYY-MM.history/`` locally, ``OUT/YYYY-MM/history/`` on S3.
"""

# TODO(month close): month close and restatements (issue 18), what is done and what is left.
# Done (tests/e2e/test_month_close.py, tests/unit/test_adjustments.py,
# tests/s3/test_s3_month_close.py, tests/lambda/test_lambda_close.py):
#   - every run kept, locally and on S3, and logged here; `chargeback history`;
#   - provisional/final (report/status.py; run.json status, workbook Status line, statement
#     CSV "YYYY-MM PROVISIONAL", journal "PROVISIONAL: ");
#   - `chargeback close` (records run, totals, files' SHA-256, who, when, note; --force for
#     provisional) and `chargeback reopen --reason`;
#   - a run for a closed month writes an adjustment set (chargeback/adjusting.py,
#     allocate/restatement.py, report/adjustments.py): OUT/YYYY-MM.adjustments/<id>/ with
#     summary, line changes, a balanced journal dated in --post-period, adjustment.xlsx
#     (report/xlsx/adjustment.py), adjustment.json and the restated set; "no-adjustment"
#     when nothing changed; each adjustment against closed + earlier ones (hypothesis
#     property test); the Lambda's result and log status is adjusted/unchanged.
#   - the baseline lines CSV is checked against the SHA-256 the close (or the adjustment
#     event) recorded before comparing: an edited booked file stops the run (exit 6);
#   - S3: a close marks current.json closed with an If-Match put before recording itself,
#     so a run's pointer switch cannot overwrite it (tests/s3/test_s3_close_race.py);
#   - the lines CSVs are read back with their disarming undone (safety.csv_raw), so
#     adjustment.xlsx shows a tag value as typed, as a text cell
#     (tests/e2e/test_month_close_gaps.py);
#   - an adjustment set with no event that can no longer be recorded (another close is in
#     force, or its baseline is not the latest) is removed by the month's next adjusting run
#     (adjusting._remove_orphans), locally and on S3, only ids named as the tool names them
#     (tests/e2e/test_month_close_gaps.py);
# Left:
#   - an orphan compared against the latest baseline stays until the baseline moves (another
#     run may be about to record it), and only runs for a closed month remove orphans (not
#     the first run after a reopen);
#   - duplicate identical events each append a "no-adjustment" event (one adjustment only,
#     but the log records every run).

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Protocol

from chargeback.errors import OutputError, TransientOutputError

RUN = "run"
CLOSE = "close"
REOPEN = "reopen"
ADJUSTMENT = "adjustment"
NO_ADJUSTMENT = "no-adjustment"
KINDS = (RUN, CLOSE, REOPEN, ADJUSTMENT, NO_ADJUSTMENT)
_NAME = re.compile(r"(\d{6})-([a-z-]+)\.json")
#: How the tool names an adjustment set (``20261129T020356Z-abbc4aa55ae0``); nothing else
#: in the adjustments folder is ever removed.
ADJUSTMENT_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{12}")
_ATTEMPTS = 20


@dataclass(frozen=True)
class Event:
    seq: int
    kind: str
    body: dict[str, Any]

    @property
    def name(self) -> str:
        return event_name(self.seq, self.kind)


class EventTaken(Exception):
    """Another writer took this sequence number first: read the log again."""


class EventLog(Protocol):
    """What a destination offers for a month's history."""

    def events(self, period: str) -> list[Event]:
        """The month's events in order; empty when it has none."""
        ...

    def write_event(self, period: str, event: Event) -> None:
        """Write ``event`` once; ``EventTaken`` when its name exists."""
        ...


def event_name(seq: int, kind: str) -> str:
    return f"{seq:06d}-{kind}.json"


def parse_name(name: str) -> tuple[int, str] | None:
    match = _NAME.fullmatch(name)
    if match is None or match.group(2) not in KINDS:
        return None
    return int(match.group(1)), match.group(2)


def encode(event: Event) -> bytes:
    return (json.dumps(event.body, indent=2) + "\n").encode("utf-8")


def decode(name: str, data: bytes, where: str) -> Event | None:
    """The event stored as ``name``; None for a name that is not an event's."""
    parsed = parse_name(name)
    if parsed is None:
        return None
    try:
        body = json.loads(data)
    except ValueError as e:
        raise OutputError(
            f"{where} is not valid JSON ({e}): the month's history is damaged; restore the "
            "file from a backup"
        ) from e
    if not isinstance(body, dict):
        raise OutputError(f"{where} is not a JSON object: restore the file from a backup")
    return Event(parsed[0], parsed[1], body)


def append(
    log: EventLog,
    period: str,
    kind: str,
    decide: Callable[[list[Event]], dict[str, Any] | None],
) -> Event | None:
    """Append a ``kind`` event whose body ``decide`` makes from the log as it stands (None:
    append nothing); if another writer appends first, ``decide`` runs again on the new log."""
    for _ in range(_ATTEMPTS):
        events = log.events(period)
        body = decide(events)
        if body is None:
            return None
        event = Event((events[-1].seq if events else 0) + 1, kind, {"kind": kind, **body})
        try:
            log.write_event(period, event)
        except EventTaken:
            continue
        return event
    raise TransientOutputError(
        f"the history of {period} kept changing while recording a {kind}: other runs are "
        "writing it at the same time; try again"
    )


def totals_of(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Per currency: the total and each cost center's amount, from a run.json."""
    out = []
    for t in record.get("totals", []):
        if isinstance(t, dict):
            out.append(
                {
                    "currency": t.get("currency"),
                    "total": t.get("export_bedrock_total"),
                    "cost_centers": dict(t.get("cost_centers", {})),
                }
            )
    return out


#: The keys of run.json that ``run_event`` reads.
RUN_EVENT_KEYS = ("run_id", "generated_at", "source", "status", "totals")


def record_fields(path: Path, keys: tuple[str, ...] = RUN_EVENT_KEYS) -> dict[str, Any]:
    """The top-level ``keys`` of the run.json at ``path`` (those it has), without building
    the rest (``fields_of``). Raises ``OSError``, and ``ValueError`` for a file that is not a
    JSON object."""
    with path.open(encoding="utf-8") as lines:
        return fields_of(lines, keys)


def fields_of(lines: Iterator[str], keys: tuple[str, ...]) -> dict[str, Any]:
    """The top-level ``keys`` of the run.json whose lines ``lines`` gives (those it has),
    without building the rest: a month of 86,000 cost centers writes ~160 MB of run.json,
    ~0.5 GB as Python objects parsed whole (issue 19). In the file as the pipeline writes it
    (``json.dumps`` with ``indent=2``) each top-level member starts on a line of its own, two
    spaces in, and no line inside a value does (JSON text holds no raw newline but between
    tokens), so the members asked for are cut out line by line and only they are parsed. A
    text of another layout is parsed whole. ``ValueError`` for a text that is not a JSON
    object, or that ends before its closing brace (a truncated file)."""
    wanted = {json.dumps(k) for k in keys}
    members: list[list[str]] = []
    first, second = next(lines, ""), next(lines, "")
    if first != "{\n" or not second.startswith('  "'):
        doc = json.loads(first + second + "".join(lines))
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
        return {k: doc[k] for k in keys if k in doc}
    keep = closed = False
    for line in chain((second,), lines):
        if not line.startswith(" "):  # the document's closing brace
            closed = line.rstrip() == "}"
            break
        if line.startswith('  "'):  # a top-level member begins
            keep = line[2:].partition(": ")[0] in wanted
            if keep:
                members.append([])
        if keep:
            members[-1].append(line)
    if not closed:
        raise ValueError("the text ends before the record's closing brace: truncated")
    if not members:
        return {}
    for member in members:  # each member as the only one: no comma after it
        member[-1] = member[-1].rstrip("\n").removesuffix(",")
    found: dict[str, Any] = json.loads("{\n" + ",\n".join("".join(m) for m in members) + "\n}")
    return found


def run_event(record: dict[str, Any], set_id: str, at: str) -> dict[str, Any]:
    """The body of a ``run`` event for the published set ``set_id`` whose run.json is
    ``record``."""
    source = record.get("source", {})
    return {
        "run_id": record.get("run_id"),
        "set": set_id,
        "at": at,
        "generated_at": record.get("generated_at"),
        "source_version": source.get("version") if isinstance(source, dict) else None,
        "status": record.get("status", "final"),
        "totals": totals_of(record),
    }


@dataclass(frozen=True)
class PublishedSet:
    """The set a month's pointer names now: its id, its run.json and its files' SHA-256."""

    set_id: str
    record: dict[str, Any]
    #: Path inside the set (``statements/CC-1.csv``) -> SHA-256, hex.
    digests: dict[str, str]


def in_force_close(events: list[Event]) -> Event | None:
    """The close the month is under: the last close not followed by a reopen."""
    close = None
    for event in events:
        if event.kind == CLOSE:
            close = event
        elif event.kind == REOPEN:
            close = None
    return close


def last_run_set(events: list[Event]) -> str | None:
    runs = [e for e in events if e.kind == RUN]
    return str(runs[-1].body.get("set")) if runs else None


def recorded_adjustments(events: list[Event]) -> set[str]:
    return {str(e.body.get("adjustment_id")) for e in events if e.kind == ADJUSTMENT}


def logged_sets(events: list[Event]) -> set[str]:
    return {str(e.body.get("set")) for e in events if e.kind == RUN and e.body.get("set")}
