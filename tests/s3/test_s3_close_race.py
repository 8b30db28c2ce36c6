"""Issue 18 on S3: a close between a run's last history check and its pointer write wins.

The close marks ``current.json`` closed with a conditional write before it records itself,
so the run's own conditional put of the pointer fails; the run reads again and is refused.
The interleavings are forced by calling the close from inside the run's publish steps.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chargeback.closing import close_month, reopen_month
from chargeback.errors import MonthStateError
from chargeback.publish import history
from chargeback.publish.history import Event
from chargeback.publish.s3 import S3Destination
from chargeback.s3location import S3Uri
from chargeback.settings.model import Period
from tests.support.s3server import S3

BUCKET = "finance-reports"
PERIOD = "2026-10"
ROOT = f"s3://{BUCKET}/cb"
POINTER = f"cb/{PERIOD}/current.json"


def stage_run(dest: S3Destination, version: str, total: str) -> None:
    with dest.staging(PERIOD) as stage:
        (stage / "a.csv").write_text(f"from {version}\n")
        record = {
            "run_id": f"run-{version}",
            "source": {"version": version},
            "outputs": ["a.csv", "run.json"],
            "totals": [{"currency": "USD", "export_bedrock_total": total, "cost_centers": {}}],
        }
        (stage / "run.json").write_text(json.dumps(record))


class CloseAfterPointerRead(S3Destination):
    """A run whose pointer read (after its history check) is followed by a close."""

    def __init__(self, s3: S3) -> None:
        super().__init__(ROOT)
        self.s3 = s3
        self.pointer_after_close: str | None = None

    def _read_pointer(self, pointer: S3Uri) -> tuple[dict[str, Any] | None, str | None]:
        found = super()._read_pointer(pointer)
        if self.pointer_after_close is None:
            close_month(ROOT, Period.parse(PERIOD), by="ana")
            self.pointer_after_close = self.s3.text(BUCKET, POINTER)
        return found


class CloseAfterHistoryCheck(S3Destination):
    """A run whose history check is followed by a close, before it reads the pointer."""

    def __init__(self) -> None:
        super().__init__(ROOT)
        self.closed = False

    def events(self, period: str) -> list[Event]:
        found = super().events(period)
        if not self.closed:
            self.closed = True
            close_month(ROOT, Period.parse(PERIOD), by="ana")
        return found


def closed_state(s3: S3) -> dict[str, str]:
    return {key: s3.text(BUCKET, key) for key in s3.keys(BUCKET, f"cb/{PERIOD}/runs/")}


def test_a_close_between_the_pointer_read_and_the_put_wins(s3: S3) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    stage_run(S3Destination(ROOT), "2026-11-01T00:00:00Z", "1.00")
    before = closed_state(s3)
    closed_run = json.loads(s3.text(BUCKET, POINTER))["run_id"]
    racing = CloseAfterPointerRead(s3)
    with pytest.raises(MonthStateError) as info:
        stage_run(racing, "2026-11-02T00:00:00Z", "2.00")
    assert str(info.value) == (
        "2026-10 was closed (history event 2) while this run was writing: nothing was "
        "published; run again"
    )
    pointer = s3.text(BUCKET, POINTER)
    assert pointer == racing.pointer_after_close  # the run's put did not land
    assert json.loads(pointer)["run_id"] == closed_run
    assert closed_state(s3) == before  # the closed set as it was; the run's upload removed
    events = S3Destination(ROOT).events(PERIOD)
    assert [e.kind for e in events] == [history.RUN, history.CLOSE]
    assert events[1].body["set"] == closed_run


def test_a_close_between_the_history_check_and_the_pointer_read_wins(s3: S3) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    stage_run(S3Destination(ROOT), "2026-11-01T00:00:00Z", "1.00")
    before = closed_state(s3)
    with pytest.raises(MonthStateError) as info:
        stage_run(CloseAfterHistoryCheck(), "2026-11-02T00:00:00Z", "2.00")
    assert str(info.value) == (
        f"2026-10 is being closed (s3://{BUCKET}/{POINTER} is marked closed and the history "
        "has no reopen for it): nothing was published; run again (if no close is running, "
        "`chargeback close --period 2026-10` completes it)"
    )
    assert closed_state(s3) == before
    assert [e.kind for e in S3Destination(ROOT).events(PERIOD)] == [history.RUN, history.CLOSE]


def test_after_a_reopen_the_next_run_switches_the_pointer(s3: S3) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    stage_run(S3Destination(ROOT), "2026-11-01T00:00:00Z", "1.00")
    close = close_month(ROOT, Period.parse(PERIOD))
    assert json.loads(s3.text(BUCKET, POINTER))["closed"] == {"token": close.body["seal"]}
    reopen_month(ROOT, Period.parse(PERIOD), reason="AWS restated tax")
    assert "closed" not in json.loads(s3.text(BUCKET, POINTER))
    stage_run(S3Destination(ROOT), "2026-11-02T00:00:00Z", "2.00")
    assert json.loads(s3.text(BUCKET, POINTER))["run_id"] != close.body["set"]


def test_a_mark_left_by_a_close_that_died_blocks_runs_until_closed_again(s3: S3) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    stage_run(S3Destination(ROOT), "2026-11-01T00:00:00Z", "1.00")
    current = json.loads(s3.text(BUCKET, POINTER))
    S3Destination(ROOT).seal(PERIOD, current["run_id"], "dead-close")  # then killed
    with pytest.raises(MonthStateError, match=r"^2026-10 is being closed \("):
        stage_run(S3Destination(ROOT), "2026-11-02T00:00:00Z", "2.00")
    assert json.loads(s3.text(BUCKET, POINTER))["run_id"] == current["run_id"]
    close = close_month(ROOT, Period.parse(PERIOD))
    assert close.body["set"] == current["run_id"]
    assert json.loads(s3.text(BUCKET, POINTER))["closed"] == {"token": close.body["seal"]}
