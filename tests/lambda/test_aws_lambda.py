"""The Lambda handler end to end: an S3 event for a delivered export, statements on S3."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest

from chargeback import s3location
from chargeback.errors import TransientInputError
from chargeback.frontends import aws_lambda
from tests.support.delivery import (
    BUCKET,
    EXPECTED,
    EXPECTED_TOTAL,
    OUT_BUCKET,
    PERIOD,
    data_key,
    manifest_key,
    published_summary,
    s3_event,
)
from tests.support.s3server import S3


def log_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_manifest_event_publishes_the_month_to_the_cent(
    delivered: dict[str, Path], s3: S3, capsys: pytest.CaptureFixture[str]
) -> None:
    result = aws_lambda.handler(s3_event(BUCKET, manifest_key("cur")), None)
    assert result["status"] == "ok"
    (run,) = result["runs"]
    assert run["status"] == "published"
    assert run["billing_period"] == PERIOD
    assert run["source"] == f"s3://{BUCKET}/cur/bedrock-cur2"
    pointer, amounts = published_summary(s3)
    assert amounts == EXPECTED
    assert run["output"] == pointer["prefix"]
    (line,) = log_lines(capsys.readouterr().out)
    assert line["event"] == "chargeback_run"
    assert line["billing_period"] == PERIOD
    assert line["files"] == 2
    assert line["rows"]["bedrock"] == 6
    assert line["totals"] == [
        {
            "currency": "USD",
            "export_bedrock_total": str(EXPECTED_TOTAL),
            "attributed": str(EXPECTED["ML-101"] + EXPECTED["FIN-7"]),
            "unattributed": str(EXPECTED["UNATTRIBUTED"]),
        }
    ]
    assert isinstance(line["seconds"], float)
    json.dumps(result)  # the result is plain JSON


def test_duplicate_event_leaves_one_complete_set(
    delivered: dict[str, Path], s3: S3, capsys: pytest.CaptureFixture[str]
) -> None:
    event = s3_event(BUCKET, manifest_key("cur"))
    first = aws_lambda.handler(event, None)["runs"][0]["output"]
    second = aws_lambda.handler(event, None)["runs"][0]["output"]
    pointer, amounts = published_summary(s3)
    assert pointer["prefix"] == second != first
    assert amounts == EXPECTED
    runs = s3.keys(OUT_BUCKET, f"chargeback/{PERIOD}/runs/")
    one_set = sorted(pointer["files"])  # summary, lines, workbook, journal, run.json, statements
    assert len(one_set) > 5 and "run.json" in one_set
    assert len(runs) == 2 * len(one_set)  # two whole sets, neither mixed into the other
    assert [json.loads(ln)["status"] for ln in capsys.readouterr().out.splitlines()] == [
        "published",
        "published",
    ]


def test_event_without_created_objects_is_ignored(capsys: pytest.CaptureFixture[str]) -> None:
    result = aws_lambda.handler({"Service": "Amazon S3", "Event": "s3:TestEvent"}, None)
    assert result == {"status": "skipped", "runs": [], "skipped": []}
    assert log_lines(capsys.readouterr().out) == [
        {"event": "ignored", "reason": "no S3 ObjectCreated record in the event"}
    ]


def test_same_delivery_named_twice_in_one_event_runs_once(
    delivered: dict[str, Path], s3: S3
) -> None:
    event = s3_event(BUCKET, manifest_key("cur"))
    event["Records"] = event["Records"] * 2
    result = aws_lambda.handler(event, None)
    assert len(result["runs"]) == 1


def test_parquet_key_is_skipped_with_one_log_line(
    delivered: dict[str, Path], s3: S3, capsys: pytest.CaptureFixture[str]
) -> None:
    result = aws_lambda.handler(s3_event(BUCKET, data_key("cur", 1)), None)
    assert result == {
        "status": "skipped",
        "runs": [],
        "skipped": [f"s3://{BUCKET}/{data_key('cur', 1)}"],
    }
    (line,) = log_lines(capsys.readouterr().out)
    assert line["event"] == "skipped" and line["object"].endswith("00001.snappy.parquet")
    assert s3.keys(OUT_BUCKET) == []


def test_sqs_wrapped_event_runs_too(delivered: dict[str, Path], s3: S3) -> None:
    inner = s3_event(BUCKET, manifest_key("cur"))
    event = {"Records": [{"eventSource": "aws:sqs", "messageId": "1", "body": json.dumps(inner)}]}
    result = aws_lambda.handler(event, None)
    assert result["runs"][0]["status"] == "published"
    assert published_summary(s3)[1] == EXPECTED


def test_manifest_naming_a_missing_file_is_reported_not_retried(
    delivered: dict[str, Path], s3: S3, capsys: pytest.CaptureFixture[str]
) -> None:
    s3.client.delete_object(Bucket=BUCKET, Key=data_key("cur", 2))
    result = aws_lambda.handler(s3_event(BUCKET, manifest_key("cur")), None)
    assert result["status"] == "failed"
    (run,) = result["runs"]
    assert run["status"] == "failed"
    assert f"s3://{BUCKET}/{data_key('cur', 2)}" in run["error"]
    assert s3.keys(OUT_BUCKET) == []
    assert log_lines(capsys.readouterr().out)[0]["error_type"] == "InputError"


def test_missing_export_bucket_is_reported(delivered: dict[str, Path], s3: S3) -> None:
    result = aws_lambda.handler(s3_event("no-such-exports", manifest_key("cur")), None)
    (run,) = result["runs"]
    assert run["status"] == "failed"
    assert "s3://no-such-exports" in run["error"] and "does not exist" in run["error"]


def test_unset_output_is_reported(
    delivered: dict[str, Path], s3: S3, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHARGEBACK_OUT")
    (run,) = aws_lambda.handler(s3_event(BUCKET, manifest_key("cur")), None)["runs"]
    assert run["status"] == "failed" and "CHARGEBACK_OUT" in run["error"]


def test_s3_unreachable_is_raised_for_lambda_to_retry(
    delivered: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setattr(s3location, "_READ_ATTEMPTS", 1)  # fail fast, without backoff
    with pytest.raises(TransientInputError, match="try again"):
        aws_lambda.handler(s3_event(BUCKET, manifest_key("cur")), None)


@contextmanager
def iam_enforced() -> Iterator[None]:
    """Make the moto server check IAM policies, for the duration of the block."""
    from moto import settings

    before = settings.INITIAL_NO_AUTH_ACTION_COUNT
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    try:
        yield
    finally:
        settings.INITIAL_NO_AUTH_ACTION_COUNT = before


def test_denied_access_is_reported_not_retried(
    delivered: dict[str, Path], s3: S3, monkeypatch: pytest.MonkeyPatch
) -> None:
    iam = boto3.client("iam", endpoint_url=s3.endpoint, region_name="us-east-1")
    user = f"no-reader-{uuid.uuid4().hex[:8]}"  # IAM users outlive the test in the server
    iam.create_user(UserName=user)
    iam.put_user_policy(  # may list the bucket, may not read objects
        UserName=user,
        PolicyName="list-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName=user)["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    with iam_enforced():
        result = aws_lambda.handler(s3_event(BUCKET, manifest_key("cur")), None)
    (run,) = result["runs"]
    assert run["status"] == "failed"
    assert "credentials in use may read it" in run["error"]
    assert s3.keys(OUT_BUCKET) == []


def deliver_sample(s3: S3, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Upload the shipped sample month where its manifest says it lives; the manifest event."""
    from tests.support.paths import SAMPLE

    manifest = json.loads(next(SAMPLE.rglob("*Manifest.json")).read_text())
    bucket, prefix = manifest["bucket"], manifest["reportKeyPrefix"]
    s3.client.create_bucket(Bucket=bucket)
    s3.client.create_bucket(Bucket=OUT_BUCKET)
    keys = s3.upload_tree(SAMPLE, bucket, prefix)
    monkeypatch.setenv("CHARGEBACK_OUT", f"s3://{OUT_BUCKET}/chargeback")
    (key,) = [k for k in keys if k.endswith("Manifest.json")]
    return s3_event(bucket, key)


def test_sample_export_delivered_to_s3_is_charged_back_to_the_cent(
    s3: S3, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.sample_month import check, exact_by_bucket, sample_rows

    result = aws_lambda.handler(deliver_sample(s3, monkeypatch), None)

    assert result["runs"][0]["status"] == "published"
    pointer, amounts = published_summary(s3)
    prefix_out = pointer["prefix"].removeprefix(f"s3://{OUT_BUCKET}/")
    lines = list(
        csv.DictReader(
            io.StringIO(s3.text(OUT_BUCKET, f"{prefix_out}chargeback-{PERIOD}-lines.csv"))
        )
    )
    check({k: str(v) for k, v in amounts.items()}, lines, exact_by_bucket(sample_rows()))
    assert {k: str(v) for k, v in amounts.items()} == {  # sample_data/README.md's figures
        "CC-1001": "3195.45",
        "CC-2002": "1248.77",
        "CC-3003": "1619.89",
        "UNATTRIBUTED": "533.72",
    }
    assert result["runs"][0]["rows"]["bedrock"] == 9377


def test_config_file_rules_apply_in_lambda(s3: S3, monkeypatch: pytest.MonkeyPatch) -> None:
    """CHARGEBACK_CONFIG names the example chargeback.toml: mapping table, master, tax split."""
    from tests.support.sample_month import EXAMPLE, sample_expected

    event = deliver_sample(s3, monkeypatch)
    monkeypatch.setenv("CHARGEBACK_CONFIG", str(EXAMPLE))
    result = aws_lambda.handler(event, None)
    assert result["runs"][0]["status"] == "published"
    assert published_summary(s3)[1] == sample_expected()


def test_racing_invocations_for_one_month_leave_one_complete_set(
    delivered: dict[str, Path], s3: S3
) -> None:
    """At-least-once delivery: the same notification handled by two instances at once."""
    import threading

    event = s3_event(BUCKET, manifest_key("cur"))
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def invoke() -> None:
        try:
            results.append(aws_lambda.handler(event, None))
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=invoke) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sorted(r["runs"][0]["status"] for r in results) == ["published"] * 3
    pointer, amounts = published_summary(s3)
    assert amounts == EXPECTED
    folders: dict[str, list[str]] = {}
    for key in s3.keys(OUT_BUCKET, f"chargeback/{PERIOD}/runs/"):
        run_id, name = key.removeprefix(f"chargeback/{PERIOD}/runs/").split("/", 1)
        folders.setdefault(run_id, []).append(name)
    assert pointer["run_id"] in folders
    for names in folders.values():  # every set whole: the files current.json lists
        assert sorted(names) == sorted(pointer["files"]) and "run.json" in names


def test_s3_lost_in_the_middle_of_the_scan_is_retryable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_env: str
) -> None:
    """Footers read, then S3 goes away before DuckDB scans: a retry may fix that."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    from chargeback.allocate.allocation import allocate
    from chargeback.allocate.engine import Engine
    from chargeback.errors import TransientQueryError
    from chargeback.read.s3 import S3Source
    from chargeback.read.schema import canonical_relation, detect_schema
    from chargeback.settings.model import Period, RunConfig
    from tests.support.builders import tagged, write

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://{host}:{port}")
    monkeypatch.setattr(s3location, "_READ_ATTEMPTS", 1)
    client = boto3.client("s3", endpoint_url=f"http://{host}:{port}", region_name="us-east-1")
    client.create_bucket(Bucket="vanishing")
    path = write(tmp_path / "f.parquet", [tagged("a", "ML-101", 1.0)])
    client.upload_file(str(path), "vanishing", "cur/x/data/f.parquet")
    source = S3Source.open("s3://vanishing/cur/x", Period.parse(PERIOD))
    server.stop()
    engine = Engine(threads=1)
    try:
        engine.register_cur(
            canonical_relation(source.relation(engine.con), detect_schema(source.files, []))
        )
        config = RunConfig(source=source.root, period=Period.parse(PERIOD), out=str(tmp_path))
        with pytest.raises(TransientQueryError, match="NETWORK_CONNECTION") as caught:
            allocate(engine, config, {})
    finally:
        engine.close()
    assert caught.value.retryable
