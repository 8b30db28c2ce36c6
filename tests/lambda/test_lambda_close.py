"""Issue 18 on S3 through the Lambda handler: a delivery for a closed month becomes one
adjustment; the closed run and current.json stay byte-identical; duplicate and concurrent
events for the same delivery give one adjustment."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chargeback.frontends import aws_lambda
from chargeback.frontends.cli import app
from tests.support.builders import tagged, write
from tests.support.delivery import (
    BUCKET,
    OUT_BUCKET,
    PERIOD,
    cur2_manifest,
    data_key,
    manifest_key,
    s3_event,
)
from tests.support.s3server import S3

OUT = f"s3://{OUT_BUCKET}/chargeback"
OCTOBER = [
    tagged("ml", "ML-101", 12.34),
    tagged("fin", "FIN-7", 3.10),
    tagged("fin", "FIN-7", -0.60, line_item_line_item_type="Credit"),
]
RESTATED = [
    tagged("ml", "ML-101", 12.34),
    tagged("ml", "ML-101", 0.99, line_item_line_item_type="Tax"),  # a tax line added
    tagged("fin", "OPS-3", 3.10),  # fin's cost-center tag changed from FIN-7 to OPS-3
]  # and fin's credit is gone


def deliver(s3: S3, folder: Path, rows: list[dict[str, Any]]) -> None:
    key = data_key("cur", 1)
    s3.client.upload_file(str(write(folder / "f1.parquet", rows)), BUCKET, key)
    manifest = json.dumps(cur2_manifest(BUCKET, [key]))
    s3.client.put_object(Bucket=BUCKET, Key=manifest_key("cur"), Body=manifest.encode())


def per_center(rows: list[dict[str, Any]]) -> dict[str, Decimal]:
    """Each cost center's charge, summed here from the rows written."""
    out: dict[str, Decimal] = {}
    for row in rows:
        cc = row["resource_tags"]["user_cost_center"]
        out[cc] = out.get(cc, Decimal(0)) + Decimal(str(row["line_item_net_unblended_cost"]))
    return out


def closed_state(s3: S3, close: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """current.json's bytes and the closed run's files' SHA-256, read here."""
    pointer = s3.client.get_object(Bucket=OUT_BUCKET, Key=f"chargeback/{PERIOD}/current.json")
    prefix = f"chargeback/{PERIOD}/runs/{close['set']}/"
    digests = {
        key.removeprefix(prefix): hashlib.sha256(
            s3.client.get_object(Bucket=OUT_BUCKET, Key=key)["Body"].read()
        ).hexdigest()
        for key in s3.keys(OUT_BUCKET, prefix)
    }
    return pointer["Body"].read(), digests


def events(s3: S3) -> list[str]:
    prefix = f"chargeback/{PERIOD}/history/"
    return [k.removeprefix(prefix) for k in s3.keys(OUT_BUCKET, prefix)]


def test_a_closed_month_on_s3_gets_one_adjustment(
    s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    s3.client.create_bucket(Bucket=OUT_BUCKET)
    monkeypatch.setenv("CHARGEBACK_OUT", OUT)
    monkeypatch.setenv("CHARGEBACK_THREADS", "1")
    event = s3_event(BUCKET, manifest_key("cur"))
    deliver(s3, tmp_path / "oct", OCTOBER)
    assert aws_lambda.handler(event, None)["runs"][0]["status"] == "published"

    closed = CliRunner().invoke(app, ["close", "--period", PERIOD, "--out", OUT, "--by", "ana"])
    assert closed.exit_code == 0, closed.output
    close = json.loads(s3.text(OUT_BUCKET, f"chargeback/{PERIOD}/history/000002-close.json"))
    before = closed_state(s3, close)
    assert before[1] == close["files"]

    deliver(s3, tmp_path / "restated", RESTATED)
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(5)

    def invoke() -> None:
        barrier.wait(timeout=30)
        results.append(aws_lambda.handler(event, None)["runs"][0])

    threads = [threading.Thread(target=invoke) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r["status"] for r in results) == ["adjusted"] + ["unchanged"] * 4
    assert closed_state(s3, close) == before  # pointer and closed run byte-identical
    logged = events(s3)
    assert logged[:2] == ["000001-run.json", "000002-close.json"]
    assert (
        sorted(e.split("-", 1)[1] for e in logged[2:])
        == ["adjustment.json"] + ["no-adjustment.json"] * 4
    )
    (adjusted,) = [r for r in results if r["status"] == "adjusted"]
    prefix = f"chargeback/{PERIOD}/adjustments/"
    kept = {k.removeprefix(prefix).split("/")[0] for k in s3.keys(OUT_BUCKET, prefix)}
    assert kept == {adjusted["adjustment_id"]}  # the losers' uploads were removed

    folder = f"{prefix}{adjusted['adjustment_id']}/"
    summary = csv.DictReader(io.StringIO(s3.text(OUT_BUCKET, folder + "adjustment-summary.csv")))
    got = {r["cost_center"]: Decimal(r["adjustment"]) for r in summary}
    old, new = per_center(OCTOBER), per_center(RESTATED)
    expected = {cc: new.get(cc, Decimal(0)) - old.get(cc, Decimal(0)) for cc in old | new}
    assert expected == {
        "ML-101": Decimal("0.99"),
        "FIN-7": Decimal("-2.50"),
        "OPS-3": Decimal("3.10"),
    }
    assert got == expected
    text = s3.text(OUT_BUCKET, folder + "adjustment-journal.csv")
    journal = list(csv.DictReader(io.StringIO(text)))
    debit = sum((Decimal(r["debit"] or 0) for r in journal), Decimal(0))
    credit = sum((Decimal(r["credit"] or 0) for r in journal), Decimal(0))
    assert debit - credit == 0 and debit > 0
    assert {r["reference"] for r in journal} == {f"{close['run_id']} / {adjusted['adjustment_id']}"}
    logged_runs = [json.loads(ln) for ln in capsys.readouterr().out.splitlines() if ln[:1] == "{"]
    statuses = [ln["status"] for ln in logged_runs if ln.get("event") == "chargeback_run"]
    assert sorted(statuses) == ["adjusted", "published"] + ["unchanged"] * 4
