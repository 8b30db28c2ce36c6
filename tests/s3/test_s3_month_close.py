"""Issue 18 on S3: every run is kept and logged, one object per event, never overwritten."""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

import pytest

from chargeback.closing import close_month, month_history, reopen_month
from chargeback.errors import MonthStateError
from chargeback.publish import history
from chargeback.publish.history import Event, EventTaken
from chargeback.publish.s3 import S3Destination
from chargeback.settings.model import Period
from tests.support.s3server import S3

BUCKET = "finance-reports"
PERIOD = "2026-10"
ROOT = f"s3://{BUCKET}/cb"


def publish(version: str, total: str) -> None:
    dest = S3Destination(ROOT)
    with dest.staging(PERIOD) as stage:
        (stage / "a.csv").write_text(f"from {version}\n")
        record = {
            "run_id": f"run-{version}",
            "source": {"version": version},
            "outputs": ["a.csv", "run.json"],
            "totals": [{"currency": "USD", "export_bedrock_total": total, "cost_centers": {}}],
        }
        (stage / "run.json").write_text(json.dumps(record))


def test_runs_are_kept_and_logged(s3: S3) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    publish("2026-11-01T00:00:00Z", "1.00")
    publish("2026-11-02T00:00:00Z", "2.00")
    runs = {k.split("/")[3] for k in s3.keys(BUCKET, f"cb/{PERIOD}/runs/")}
    assert len(runs) == 2
    assert s3.keys(BUCKET, f"cb/{PERIOD}/history/") == [
        f"cb/{PERIOD}/history/000001-run.json",
        f"cb/{PERIOD}/history/000002-run.json",
    ]
    rows = month_history(ROOT, Period.parse(PERIOD))
    assert [(r.run_id, r.totals) for r in rows] == [
        ("run-2026-11-01T00:00:00Z", {"USD": "1.00"}),
        ("run-2026-11-02T00:00:00Z", {"USD": "2.00"}),
    ]
    assert {e.body["set"] for e in S3Destination(ROOT).events(PERIOD)} == runs


def test_an_event_is_never_overwritten(s3: S3) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    dest = S3Destination(ROOT)
    dest.write_event(PERIOD, Event(1, history.CLOSE, {"note": "first"}))
    with pytest.raises(EventTaken):
        dest.write_event(PERIOD, Event(1, history.CLOSE, {"note": "second"}))
    (event,) = dest.events(PERIOD)
    assert event.body == {"note": "first"}


def test_concurrent_appends_each_get_their_own_event(s3: S3) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    barrier = threading.Barrier(5)
    errors: list[BaseException] = []

    def add(n: int) -> None:
        dest = S3Destination(ROOT)

        def decide(_events: list[Event]) -> dict[str, Any]:
            return {"writer": n}

        try:
            barrier.wait(timeout=30)
            history.append(dest, PERIOD, history.REOPEN, decide)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    events = S3Destination(ROOT).events(PERIOD)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert sorted(e.body["writer"] for e in events) == [0, 1, 2, 3, 4]


def test_close_and_reopen_on_s3(s3: S3) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    publish("2026-11-01T00:00:00Z", "1.00")
    month = Period.parse(PERIOD)
    close = close_month(ROOT, month, by="ana", note="JE-1")
    current = json.loads(s3.text(BUCKET, f"cb/{PERIOD}/current.json"))
    prefix = f"cb/{PERIOD}/runs/{current['run_id']}/"
    assert close.body["set"] == current["run_id"]
    assert close.body["files"] == {
        key.removeprefix(prefix): hashlib.sha256(s3.text(BUCKET, key).encode()).hexdigest()
        for key in s3.keys(BUCKET, prefix)
    }
    with pytest.raises(MonthStateError, match=r"^2026-10 is already closed \(history event 2,"):
        close_month(ROOT, month)
    reopen_month(ROOT, month, reason="AWS restated tax", by="ana")
    again = close_month(ROOT, month, by="bo")
    assert [e.kind for e in S3Destination(ROOT).events(PERIOD)] == [
        "run",
        "close",
        "reopen",
        "close",
    ]
    assert again.seq == 4
    assert s3.keys(BUCKET, f"cb/{PERIOD}/history/")[-1] == f"cb/{PERIOD}/history/000004-close.json"


def test_a_run_publishing_into_a_closed_month_replaces_nothing(s3: S3) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    publish("2026-11-01T00:00:00Z", "1.00")
    close_month(ROOT, Period.parse(PERIOD))
    pointer = s3.text(BUCKET, f"cb/{PERIOD}/current.json")
    runs = s3.keys(BUCKET, f"cb/{PERIOD}/runs/")
    with pytest.raises(MonthStateError) as info:
        publish("2026-11-02T00:00:00Z", "2.00")  # as a run that began before the close
    assert str(info.value) == (
        "2026-10 was closed (history event 2) while this run was writing: nothing was "
        "published; run again"
    )
    assert s3.text(BUCKET, f"cb/{PERIOD}/current.json") == pointer
    assert s3.keys(BUCKET, f"cb/{PERIOD}/runs/") == runs  # its upload was removed
