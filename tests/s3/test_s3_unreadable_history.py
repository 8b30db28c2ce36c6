"""On S3 (moto's server on loopback) an earlier month whose run's run.json is damaged: the
next run still publishes and its anomaly note names that month and the run.json it could
not read; the other months are read as published."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from chargeback.frontends.cli import app
from chargeback.publish.destination import open_destination
from chargeback.publish.published import months_before
from chargeback.settings.model import Period
from tests.support.builders import tagged, write
from tests.support.s3server import S3

BUCKET = "finance-reports"
OUT = f"s3://{BUCKET}/chargeback"
#: Each month's one line for CC-1.
SPEND = {"2026-07": 10.00, "2026-08": 11.00, "2026-09": 12.00, "2026-10": 13.00}
runner = CliRunner()


def run_month(tmp: Path, period: str) -> None:
    row = tagged("p1", "CC-1", SPEND[period])
    row["bill_billing_period_start_date"] = row["bill_billing_period_start_date"].replace(
        month=int(period[-2:])
    )
    write(tmp / period / "data" / "part-1.parquet", [row])
    got = runner.invoke(app, ["run", str(tmp / period), "--period", period, "--out", OUT])
    assert got.exit_code == 0, got.output


def test_a_damaged_run_json_on_s3_is_named_and_not_counted(s3: S3, tmp_path: Path) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    for period in ("2026-07", "2026-08", "2026-09"):
        run_month(tmp_path, period)
    pointer = json.loads(s3.text(BUCKET, "chargeback/2026-08/current.json"))
    damaged = f"{OUT}/2026-08/runs/{pointer['run_id']}/run.json"
    key = damaged.removeprefix(f"s3://{BUCKET}/")
    assert key in s3.keys(BUCKET)
    s3.client.put_object(Bucket=BUCKET, Key=key, Body=b'{"totals": [')

    found, unreadable = months_before(open_destination(OUT), Period.parse("2026-10"))
    assert [m.period for m in found] == ["2026-09", "2026-07"]
    assert [m.amounts for m in found] == [
        {("CC-1", "USD"): Decimal("12.00")},
        {("CC-1", "USD"): Decimal("10.00")},
    ]
    assert [u.period for u in unreadable] == ["2026-08"]
    assert unreadable[0].reason.startswith(f"{damaged} is not valid JSON")

    run_month(tmp_path, "2026-10")  # publishes all the same
    pointer = json.loads(s3.text(BUCKET, "chargeback/2026-10/current.json"))
    record = json.loads(s3.text(BUCKET, f"chargeback/2026-10/runs/{pointer['run_id']}/run.json"))
    assert record["anomalies"]["history"] == ["2026-09", "2026-07"]
    note = record["anomalies"]["note"]
    assert note.startswith("compared with the median of 2 previous month(s) (2026-09, 2026-07)")
    assert f"; 2026-08 not counted, its record could not be read: {damaged} is not" in note
