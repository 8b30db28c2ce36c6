"""The CLI reading an export from S3 and writing statements to S3, over a real S3 API."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from chargeback.errors import ExitCode
from chargeback.frontends.cli import app
from tests.support.delivery import (
    EXPECTED,
    EXPECTED_TOTAL,
    PERIOD,
    build,
    data_key,
    legacy_manifest,
    manifest_key,
    upload,
)
from tests.support.s3server import S3

BUCKET = "billing-exports"
OUT_BUCKET = "finance-reports"
ROOT = f"s3://{BUCKET}/cur/bedrock-cur2"


def chargeback(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["run", *args])
    return result.exit_code, result.stdout, result.stderr


def summary_amounts(text: str) -> dict[str, Decimal]:
    return {r["cost_center"]: Decimal(r["amount"]) for r in csv.DictReader(io.StringIO(text))}


def lines_total(text: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for r in csv.DictReader(io.StringIO(text)):
        totals[r["cost_center"]] = totals.get(r["cost_center"], Decimal(0)) + Decimal(r["amount"])
    return totals


@pytest.fixture
def export(s3: S3, tmp_path: Path) -> dict[str, Path]:
    s3.client.create_bucket(Bucket=BUCKET)
    s3.client.create_bucket(Bucket=OUT_BUCKET)
    files = build(tmp_path / "export", BUCKET, "cur")
    upload(s3, files, BUCKET)
    return files


def test_s3_export_to_local_folder_reconciles_to_the_cent(
    export: dict[str, Path], tmp_path: Path
) -> None:
    code, out, err = chargeback(ROOT, "--period", PERIOD, "--out", str(tmp_path / "out"))
    assert code == 0, err
    folder = tmp_path / "out" / PERIOD
    summary = summary_amounts((folder / f"chargeback-{PERIOD}-summary.csv").read_text())
    assert summary == EXPECTED
    assert sum(summary.values()) == EXPECTED_TOTAL
    assert lines_total((folder / f"chargeback-{PERIOD}-lines.csv").read_text()) == EXPECTED
    info = json.loads((folder / "run.json").read_text())
    assert info["source"]["uri"] == ROOT
    assert info["source"]["manifest"]["uri"] == f"s3://{BUCKET}/{manifest_key('cur')}"
    assert "dataFiles" in info["source"]["manifest"]["fields"]
    assert info["source"]["manifest"]["info"]["exportName"] == "bedrock-cur2"
    assert [f["uri"] for f in info["files"]] == [
        f"s3://{BUCKET}/{data_key('cur', 1)}",
        f"s3://{BUCKET}/{data_key('cur', 2)}",
    ]
    assert [f["bedrock_rows"] for f in info["files"]] == [3, 3]
    assert info["rows"]["bedrock"] == 6
    assert "19.50 USD" in out


def test_s3_export_to_s3_publishes_one_complete_set(export: dict[str, Path], s3: S3) -> None:
    code, out, err = chargeback(ROOT, "--period", PERIOD, "--out", f"s3://{OUT_BUCKET}/chargeback")
    assert code == 0, err
    pointer = json.loads(s3.text(OUT_BUCKET, f"chargeback/{PERIOD}/current.json"))
    prefix = pointer["prefix"].removeprefix(f"s3://{OUT_BUCKET}/")
    assert prefix.startswith(f"chargeback/{PERIOD}/runs/")
    names = [
        f"chargeback-{PERIOD}-summary.csv",
        f"chargeback-{PERIOD}-unit-economics.csv",
        f"chargeback-{PERIOD}-lines.csv",
        f"chargeback-{PERIOD}.xlsx",
        f"journal-{PERIOD}.csv",
        "report.html",
        "run.json",
        *(
            f"statements/{cc}{ext}"
            for cc in EXPECTED
            if cc != "UNATTRIBUTED"
            for ext in (".csv", ".xlsx")
        ),
    ]
    assert s3.keys(OUT_BUCKET, prefix) == sorted(prefix + name for name in names)
    assert sorted(pointer["files"]) == sorted(names)
    summary = summary_amounts(s3.text(OUT_BUCKET, f"{prefix}chargeback-{PERIOD}-summary.csv"))
    assert summary == EXPECTED
    assert lines_total(s3.text(OUT_BUCKET, f"{prefix}chargeback-{PERIOD}-lines.csv")) == EXPECTED
    assert {t["currency"]: t["export_bedrock_total"] for t in pointer["totals"]} == {
        "USD": str(EXPECTED_TOTAL)
    }
    workbook = openpyxl.load_workbook(
        io.BytesIO(s3.body(OUT_BUCKET, f"{prefix}chargeback-{PERIOD}.xlsx"))
    )
    sheet = workbook["Summary"]
    rows = list(sheet.iter_rows(values_only=True))
    net = next(r for r in rows if r and r[0] == "Cost center").index("Net charge")
    found = {  # Summary: cost center in column A, the net charge under its header
        row[0]: Decimal(str(row[net])).quantize(Decimal("0.01"))
        for row in rows
        if row and row[0] in EXPECTED
    }
    assert found == EXPECTED
    assert pointer["prefix"] in out


def test_without_a_manifest_every_parquet_object_is_read(s3: S3, tmp_path: Path) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    files = build(tmp_path / "export", BUCKET, "cur")
    upload(s3, {k: v for k, v in files.items() if k.endswith(".parquet")}, BUCKET)
    s3.client.put_object(Bucket=BUCKET, Key="cur/bedrock-cur2/data/_temporary/x.parquet", Body=b"")
    code, _, err = chargeback(ROOT, "--period", PERIOD, "--out", str(tmp_path / "out"))
    assert code == 0, err
    text = (tmp_path / "out" / PERIOD / f"chargeback-{PERIOD}-summary.csv").read_text()
    assert summary_amounts(text) == EXPECTED
    assert (
        json.loads((tmp_path / "out" / PERIOD / "run.json").read_text())["source"]["manifest"]
        is None
    )


def test_legacy_manifest_with_bare_keys(s3: S3, tmp_path: Path) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    files = build(tmp_path / "export", BUCKET, "cur")
    data = sorted(k for k in files if k.endswith(".parquet"))
    manifest = tmp_path / "legacy.json"
    manifest.write_text(json.dumps(legacy_manifest(BUCKET, data)))
    upload(s3, {**{k: files[k] for k in data}, manifest_key("cur"): manifest}, BUCKET)
    code, _, err = chargeback(ROOT, "--period", PERIOD, "--out", str(tmp_path / "out"))
    assert code == 0, err
    text = (tmp_path / "out" / PERIOD / f"chargeback-{PERIOD}-summary.csv").read_text()
    assert summary_amounts(text) == EXPECTED


def test_manifest_naming_a_missing_file_writes_nothing(
    export: dict[str, Path], s3: S3, tmp_path: Path
) -> None:
    s3.client.delete_object(Bucket=BUCKET, Key=data_key("cur", 2))
    code, out, err = chargeback(ROOT, "--period", PERIOD, "--out", f"s3://{OUT_BUCKET}/chargeback")
    assert code == ExitCode.INPUT
    assert f"s3://{BUCKET}/{data_key('cur', 2)}" in err
    assert "does not exist" in err
    assert s3.keys(OUT_BUCKET) == []
    assert out == ""


def test_missing_bucket_is_one_clear_line(s3: S3, tmp_path: Path) -> None:
    code, _, err = chargeback(
        "s3://no-such-exports/cur/x", "--period", PERIOD, "--out", str(tmp_path / "out")
    )
    assert code == ExitCode.INPUT
    assert "s3://no-such-exports" in err and "does not exist" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_missing_output_bucket_publishes_nothing(export: dict[str, Path], s3: S3) -> None:
    code, _, err = chargeback(ROOT, "--period", PERIOD, "--out", "s3://no-such-reports/cb")
    assert code == ExitCode.OUTPUT
    assert "no-such-reports" in err and "NoSuchBucket" in err


def test_newest_of_several_manifests_wins(s3: S3, tmp_path: Path) -> None:
    """CREATE_NEW_REPORT keeps each delivery's manifest: the later one names the files."""
    s3.client.create_bucket(Bucket=BUCKET)
    files = build(tmp_path / "export", BUCKET, "cur")
    data = sorted(k for k in files if k.endswith(".parquet"))
    upload(s3, {k: files[k] for k in data}, BUCKET)
    folder = f"cur/bedrock-cur2/metadata/BILLING_PERIOD={PERIOD}"
    stale = [*data, data_key("cur", 9)]  # an earlier delivery's file, since replaced
    for name, keys in (("20261101T0300Z-a", stale), ("20261102T0300Z-b", data)):
        body = json.dumps({"dataFiles": [f"s3://{BUCKET}/{k}" for k in keys]})
        s3.client.put_object(Bucket=BUCKET, Key=f"{folder}/{name}/x-Manifest.json", Body=body)
    code, _, err = chargeback(ROOT, "--period", PERIOD, "--out", str(tmp_path / "out"))
    assert code == 0, err
    info = json.loads((tmp_path / "out" / PERIOD / "run.json").read_text())
    assert info["source"]["manifest"]["uri"].endswith("/20261102T0300Z-b/x-Manifest.json")
    text = (tmp_path / "out" / PERIOD / f"chargeback-{PERIOD}-summary.csv").read_text()
    assert summary_amounts(text) == EXPECTED


def test_url_encoded_manifest_entries_are_found(s3: S3, tmp_path: Path) -> None:
    s3.client.create_bucket(Bucket=BUCKET)
    files = build(tmp_path / "export", BUCKET, "cur")
    data = sorted(k for k in files if k.endswith(".parquet"))
    upload(s3, {k: files[k] for k in data}, BUCKET)
    encoded = [f"s3://{BUCKET}/{k.replace('=', '%3D')}" for k in data]
    s3.client.put_object(
        Bucket=BUCKET, Key=manifest_key("cur"), Body=json.dumps({"dataFiles": encoded})
    )
    code, _, err = chargeback(ROOT, "--period", PERIOD, "--out", str(tmp_path / "out"))
    assert code == 0, err
    text = (tmp_path / "out" / PERIOD / f"chargeback-{PERIOD}-summary.csv").read_text()
    assert summary_amounts(text) == EXPECTED


def test_files_whose_columns_drifted_read_together(s3: S3, tmp_path: Path) -> None:
    """Missing columns, another column order and another timestamp unit, on S3."""
    from tests.support.builders import CUR2_TYPES, cur2_row, tagged, write

    s3.client.create_bucket(Bucket=BUCKET)
    old = [c for c in CUR2_TYPES if c not in ("tags", "line_item_iam_principal")]
    f1 = write(tmp_path / "f1.parquet", [tagged("a", "ML-101", 1.11)], columns=old)
    newer = {**CUR2_TYPES, "bill_billing_period_start_date": pa.timestamp("us", tz="UTC")}
    f2 = write(
        tmp_path / "f2.parquet",
        [tagged("b", "FIN-7", 2.22), cur2_row(period="2026-09", cost=50.0)],
        types=newer,
        columns=list(reversed(CUR2_TYPES)),
    )
    for n, path in enumerate((f1, f2), start=1):
        s3.client.upload_file(str(path), BUCKET, data_key("cur", n))
    code, _, err = chargeback(ROOT, "--period", PERIOD, "--out", str(tmp_path / "out"))
    assert code == 0, err
    text = (tmp_path / "out" / PERIOD / f"chargeback-{PERIOD}-summary.csv").read_text()
    assert summary_amounts(text) == {"ML-101": Decimal("1.11"), "FIN-7": Decimal("2.22")}


def test_periods_lists_every_month_in_an_s3_export(export: dict[str, Path]) -> None:
    result = CliRunner().invoke(app, ["periods", ROOT])
    assert result.exit_code == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    # 2026-10: six Bedrock rows of 7 (19.50); 2026-09: the one row of another month (100.00)
    assert rows["2026-10"][1:4] == ["7", "6", str(EXPECTED_TOTAL)]
    assert rows["2026-09"][1:4] == ["1", "1", "100.00"]


def test_focus_export_on_s3_gives_the_sample_figures(s3: S3, tmp_path: Path) -> None:
    """The sample month written as FOCUS 1.2, read from S3: the same statements as CUR 2.0."""
    from chargeback.allocate.money import round_money
    from sample_data.generator.cli import main as sample_main
    from tests.support.sample_month import exact_by_bucket, sample_rows

    focus = tmp_path / "focus"
    assert sample_main(["--out", str(tmp_path / "cur2"), "--focus-out", str(focus)]) == 0
    s3.client.create_bucket(Bucket=BUCKET)
    s3.upload_tree(focus, BUCKET, "focus/bedrock-focus")
    code, _, err = chargeback(
        f"s3://{BUCKET}/focus/bedrock-focus", "--period", PERIOD, "--out", str(tmp_path / "out")
    )
    assert code == 0, err
    summary = summary_amounts(
        (tmp_path / "out" / PERIOD / f"chargeback-{PERIOD}-summary.csv").read_text()
    )
    exact = exact_by_bucket(sample_rows())  # from the CUR 2.0 sample's own rows
    assert sum(summary.values()) == round_money(sum(exact.values(), Decimal(0)))
    for cc in ("CC-1001", "CC-2002", "CC-3003"):
        assert abs(summary[cc] - exact[cc]) < Decimal("0.01")
    assert (
        json.loads((tmp_path / "out" / PERIOD / "run.json").read_text())["source"]["schema"]
        == "focus"
    )
