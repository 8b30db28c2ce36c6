"""Issue 14 on S3: the export and the invocation logs read from a real S3 API (moto's
server on loopback), the split equal to an independent computation, a bad object named."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from chargeback.allocate.money import round_money
from chargeback.frontends.cli import app
from tests.support.invocation_logs import expected, scenario, write_scenario
from tests.support.runs import read_csv
from tests.support.s3server import S3

BUCKET = "bedrock-logs"


def test_export_and_logs_from_s3_split_to_the_cent(s3: S3, tmp_path: Path) -> None:
    rows, logs = scenario()
    export, log_root = write_scenario(tmp_path, rows, logs)
    s3.client.create_bucket(Bucket=BUCKET)
    s3.upload_tree(export, BUCKET, "cur/export")
    keys = s3.upload_tree(log_root, BUCKET, "invocation")
    assert any("/data/" in k for k in keys)  # a body object the run must not read as records
    out = tmp_path / "out"
    done = CliRunner().invoke(
        app,
        [
            "run",
            f"s3://{BUCKET}/cur/export",
            "--period",
            "2026-10",
            "--out",
            str(out),
            "--invocation-logs",
            f"s3://{BUCKET}/invocation",
        ],
    )
    assert done.exit_code == 0, done.stderr
    amounts = {
        r["cost_center"]: Decimal(r["amount"])
        for r in read_csv(out / "2026-10/chargeback-2026-10-summary.csv")
    }
    assert amounts == {cc: round_money(v) for cc, v in expected(rows, logs, {}).items()}
    assert sum(amounts.values()) == Decimal("36.12")


def test_a_truncated_object_on_s3_is_named_by_its_key(s3: S3, tmp_path: Path) -> None:
    rows, logs = scenario()
    export, log_root = write_scenario(tmp_path, rows, logs)
    s3.client.create_bucket(Bucket=BUCKET)
    s3.upload_tree(export, BUCKET, "cur/export")
    s3.upload_tree(log_root, BUCKET, "invocation")
    line = (json.dumps(logs[0]) + "\n").encode()
    key = (
        "invocation/AWSLogs/444455556666/BedrockModelInvocationLogs/us-east-1/2026/10/03/10/"
        "cut.json.gz"
    )
    s3.client.put_object(Bucket=BUCKET, Key=key, Body=gzip.compress(line * 500)[:300])
    done = CliRunner().invoke(
        app,
        [
            "run",
            f"s3://{BUCKET}/cur/export",
            "--period",
            "2026-10",
            "--out",
            str(tmp_path / "out"),
            "--invocation-logs",
            f"s3://{BUCKET}/invocation",
        ],
    )
    assert done.exit_code == 4
    assert f"invocation log s3://{BUCKET}/{key} is not a whole gzip file" in done.stderr
    assert not (tmp_path / "out" / "2026-10").exists()
