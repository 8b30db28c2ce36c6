"""Publishing to S3: one complete set per month, newer input wins, racing runs never mix, and
last month's figures read back from its published run."""

from __future__ import annotations

import io
import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from botocore.exceptions import EndpointConnectionError

from chargeback.errors import TransientOutputError
from chargeback.publish.s3 import S3Destination
from tests.support.accounting import find, money, table_header
from tests.support.builders import cur2_row, write
from tests.support.runs import RunFn
from tests.support.s3server import S3

BUCKET = "finance-reports"
PERIOD = "2026-10"
NAMES = ("a.csv", "b.csv", "book.xlsx")


def publish(version: str, barrier: threading.Barrier | None = None) -> S3Destination:
    """One run whose every file says which input version it came from."""
    dest = S3Destination(f"s3://{BUCKET}/cb")
    with dest.staging(PERIOD) as stage:
        for name in NAMES:
            (stage / name).write_text(f"{name} from {version}\n")
        record = {"source": {"version": version}, "outputs": [*NAMES, "run.json"]}
        (stage / "run.json").write_text(json.dumps(record))
        if barrier is not None:
            barrier.wait(timeout=30)
    return dest


def current(s3: S3) -> dict[str, object]:
    doc: dict[str, object] = json.loads(s3.text(BUCKET, f"cb/{PERIOD}/current.json"))
    return doc


def run_folders(s3: S3) -> dict[str, list[str]]:
    folders: dict[str, list[str]] = {}
    for key in s3.keys(BUCKET, f"cb/{PERIOD}/runs/"):
        run_id, name = key.removeprefix(f"cb/{PERIOD}/runs/").split("/", 1)
        folders.setdefault(run_id, []).append(name)
    return folders


def versions_in(s3: S3, run_id: str) -> set[str]:
    prefix = f"cb/{PERIOD}/runs/{run_id}/"
    found = {s3.text(BUCKET, prefix + n).strip().split(" from ")[1] for n in NAMES}
    found.add(json.loads(s3.text(BUCKET, prefix + "run.json"))["source"]["version"])
    return found


def test_first_run_publishes_and_points_at_its_set(s3: S3) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    dest = publish("2026-11-02T00:00:00.000000Z")
    pointer = current(s3)
    run_id = str(pointer["run_id"])
    assert pointer["prefix"] == f"s3://{BUCKET}/cb/{PERIOD}/runs/{run_id}/"
    assert dest.location(PERIOD, "a.csv") == f"s3://{BUCKET}/cb/{PERIOD}/runs/{run_id}/a.csv"
    assert run_folders(s3) == {run_id: sorted([*NAMES, "run.json"])}
    assert dest.superseded_by is None


def test_older_input_finishing_later_does_not_replace_newer(s3: S3) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    publish("2026-11-02T00:00:00.000000Z")
    newer = str(current(s3)["run_id"])
    late = publish("2026-11-01T00:00:00.000000Z")
    assert current(s3)["run_id"] == newer
    assert late.superseded_by == newer
    assert list(run_folders(s3)) == [newer]  # the stale upload was removed
    assert late.location(PERIOD, "a.csv").endswith(f"/runs/{newer}/a.csv")


def test_same_input_twice_republishes_the_same_statements(s3: S3) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    publish("2026-11-02T00:00:00.000000Z")
    first = str(current(s3)["run_id"])
    again = publish("2026-11-02T00:00:00.000000Z")
    second = str(current(s3)["run_id"])
    assert second != first and again.superseded_by is None
    assert versions_in(s3, second) == {"2026-11-02T00:00:00.000000Z"}


def test_racing_runs_leave_the_newest_complete_set(s3: S3) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    versions = [f"2026-11-0{d}T00:00:00.000000Z" for d in (3, 1, 5, 2, 4)]
    barrier = threading.Barrier(len(versions))
    errors: list[BaseException] = []

    def one(version: str) -> None:
        try:
            publish(version, barrier)
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=one, args=(v,)) for v in versions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    pointer = current(s3)
    assert pointer["source"] == {"version": "2026-11-05T00:00:00.000000Z"}
    assert versions_in(s3, str(pointer["run_id"])) == {"2026-11-05T00:00:00.000000Z"}
    for run_id, names in run_folders(s3).items():  # whatever is left is whole, never mixed
        assert names == sorted([*NAMES, "run.json"])
        assert len(versions_in(s3, run_id)) == 1


def test_a_failing_run_publishes_nothing(s3: S3, tmp_path: Path) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    dest = S3Destination(f"s3://{BUCKET}/cb")
    try:
        with dest.staging(PERIOD) as stage:
            (stage / "a.csv").write_text("half")
            raise RuntimeError("rendering failed")
    except RuntimeError:
        pass
    assert s3.keys(BUCKET) == []


class FlakyPointer:
    """A real S3 client whose write of current.json fails, before or after S3 applies it."""

    def __init__(self, client: Any, applied: bool) -> None:
        self.client, self.applied = client, applied

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def put_object(self, **kwargs: Any) -> Any:
        if not kwargs["Key"].endswith("current.json"):
            return self.client.put_object(**kwargs)
        if self.applied:
            self.client.put_object(**kwargs)
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1")


def publish_with(client: Any) -> S3Destination:
    dest = S3Destination(f"s3://{BUCKET}/cb", client=client)
    with dest.staging(PERIOD) as stage:
        (stage / "a.csv").write_text("a\n")
        (stage / "run.json").write_text(json.dumps({"source": {"version": "v1"}}))
    return dest


def test_pointer_written_though_its_answer_was_lost_counts_as_published(s3: S3) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    dest = publish_with(FlakyPointer(s3.client, applied=True))
    run_id = str(current(s3)["run_id"])
    assert dest.location(PERIOD) == f"s3://{BUCKET}/cb/{PERIOD}/runs/{run_id}/"
    assert run_folders(s3) == {run_id: ["a.csv", "run.json"]}


def test_pointer_not_written_is_retryable_and_leaves_nothing(s3: S3) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    with pytest.raises(TransientOutputError, match="current.json"):
        publish_with(FlakyPointer(s3.client, applied=False))
    assert s3.keys(BUCKET) == []


# -- last month, from the run published on S3 ---------------------------------------------------


def test_last_month_comes_from_the_published_s3_run(s3: S3, tmp_path: Path, run_on: RunFn) -> None:
    """On S3 last month's charges come from the run its current.json names (that run's
    run.json, read through publish/published.py); statements/ are uploaded."""
    s3.client.create_bucket(Bucket="finance-reports")
    write(
        tmp_path / "e" / "a.parquet",
        [
            cur2_row("2026-09", 30.00, resource_tags={"user_cost_center": "CC-A"}),
            cur2_row("2026-10", 36.60, resource_tags={"user_cost_center": "CC-A"}),
            cur2_row("2026-10", 1.00),
        ],
    )
    out = "s3://finance-reports/chargeback"
    september = run_on(tmp_path / "e", period="2026-09", out=out)
    result = run_on(tmp_path / "e", period="2026-10", out=out)
    assert result.previous_run == september.outputs["run"]
    assert result.previous_run.startswith("s3://finance-reports/chargeback/2026-09/")
    prefix = result.output_dir.removeprefix("s3://finance-reports/")
    keys = s3.keys("finance-reports", prefix)
    assert prefix + "statements/CC-A.xlsx" in keys and prefix + "journal-2026-10.csv" in keys
    ws = openpyxl.load_workbook(
        io.BytesIO(s3.body("finance-reports", prefix + "chargeback-2026-10.xlsx")), data_only=True
    )["Summary"]
    head, cols = table_header(ws, "Cost center")
    r, _ = find(ws, "CC-A")
    assert money(ws.cell(r, cols["Last month"]).value) == Decimal("30.00")
    assert money(ws.cell(r, cols["Change"]).value) == Decimal("6.60")
