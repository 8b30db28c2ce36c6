"""Issue 18 on S3: every run is kept and logged, one object per event, never overwritten."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from chargeback.closing import month_history
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
