"""Bad input: one clear line naming the file, column or period, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from chargeback.errors import ChargebackError, ConfigError, InputError, OutputError
from tests.support.builders import CUR2_TYPES, cur2_row, tagged, write
from tests.support.runs import RunFn


def assert_nothing_written(out: Path) -> None:
    assert not out.exists() or list(out.iterdir()) == []


def test_missing_source(tmp_path: Path, run_on: RunFn) -> None:
    with pytest.raises(InputError, match=r"SOURCE .*nope does not exist"):
        run_on(tmp_path / "nope")
    assert_nothing_written(tmp_path / "out")


def test_no_parquet_files(tmp_path: Path, run_on: RunFn) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("hello")
    with pytest.raises(InputError, match=r"no Parquet files under .*empty"):
        run_on(tmp_path / "empty")


def test_period_without_rows_lists_the_periods_present(tmp_path: Path, run_on: RunFn) -> None:
    write(
        tmp_path / "e" / "a.parquet",
        [cur2_row(period="2026-08", cost=1.0), cur2_row(period="2026-09", cost=1.0)] * 2,
    )
    with pytest.raises(InputError) as info:
        run_on(tmp_path / "e", period="2026-10")
    assert str(info.value).startswith("no rows for 2026-10 in ")
    assert "periods present: 2026-08 (2 rows), 2026-09 (2 rows)" in str(info.value)
    assert_nothing_written(tmp_path / "out")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"bad\.parquet is empty \(0 bytes\)"),
        (b"a,b\n1,2\n", r"bad\.parquet is not a readable Parquet file"),
        (b"PAR1" + b"\0" * 20, r"bad\.parquet is not a readable Parquet file"),
    ],
)
def test_files_that_are_not_parquet(
    tmp_path: Path, run_on: RunFn, content: bytes, message: str
) -> None:
    write(tmp_path / "e" / "good.parquet", [tagged("p", "CC-1", 1.0)])
    (tmp_path / "e" / "bad.parquet").write_bytes(content)
    with pytest.raises(InputError, match=message):
        run_on(tmp_path / "e")
    assert_nothing_written(tmp_path / "out")


def test_missing_required_column_names_file_and_column(tmp_path: Path, run_on: RunFn) -> None:
    cols = [c for c in CUR2_TYPES if c != "line_item_currency_code"]
    write(tmp_path / "e" / "old.parquet", [tagged("p", "CC-1", 1.0)], columns=cols)
    with pytest.raises(InputError, match=r"old\.parquet has no column line_item_currency_code"):
        run_on(tmp_path / "e")


def test_cost_of_the_wrong_type(tmp_path: Path, run_on: RunFn) -> None:
    import pyarrow as pa

    types = {**CUR2_TYPES, "line_item_unblended_cost": pa.string()}
    row = tagged("p", "CC-1", 1.0)
    row["line_item_unblended_cost"] = "1.0"
    write(tmp_path / "e" / "a.parquet", [row], types=types)
    with pytest.raises(
        InputError, match=r"column line_item_unblended_cost is string, not a number"
    ):
        run_on(tmp_path / "e")


@pytest.mark.parametrize("cost", [float("nan"), float("inf"), None])
def test_non_finite_or_null_cost(tmp_path: Path, run_on: RunFn, cost: float | None) -> None:
    row = tagged("p", "CC-1", 1.0, identity_line_item_id="li-42")
    row["line_item_net_unblended_cost"] = cost
    row["line_item_unblended_cost"] = cost
    write(tmp_path / "e" / "a.parquet", [row, tagged("p", "CC-1", 1.0)])
    with pytest.raises(InputError, match=r"a\.parquet: Bedrock line item li-42 has cost"):
        run_on(tmp_path / "e")
    assert_nothing_written(tmp_path / "out")


def test_manifest_listing_a_missing_file(tmp_path: Path, run_on: RunFn) -> None:
    root = tmp_path / "exp"
    write(
        root / "data" / "BILLING_PERIOD=2026-10" / "exp-00001.snappy.parquet",
        [tagged("p", "CC-1", 1.0)],
    )
    meta = root / "metadata" / "BILLING_PERIOD=2026-10"
    meta.mkdir(parents=True)
    (meta / "exp-Manifest.json").write_text(
        '{"dataFiles": ["s3://b/x/exp/data/BILLING_PERIOD=2026-10/exp-00001.snappy.parquet",'
        ' "s3://b/x/exp/data/BILLING_PERIOD=2026-10/exp-00002.snappy.parquet"]}'
    )
    with pytest.raises(InputError, match=r"lists s3://b/.*exp-00002\.snappy\.parquet, which is"):
        run_on(root)
    assert_nothing_written(tmp_path / "out")


def test_manifest_file_list_is_used(tmp_path: Path, run_on: RunFn) -> None:
    root = tmp_path / "exp"
    data = root / "data" / "BILLING_PERIOD=2026-10"
    write(data / "exp-00001.snappy.parquet", [tagged("p", "CC-1", 1.0)])
    write(data / "exp-00002.snappy.parquet", [tagged("p", "CC-1", 2.0)])  # not in the manifest
    meta = root / "metadata" / "BILLING_PERIOD=2026-10"
    meta.mkdir(parents=True)
    (meta / "exp-Manifest.json").write_text(
        '{"dataFiles": ["s3://b/x/exp/data/BILLING_PERIOD=2026-10/exp-00001.snappy.parquet"]}'
    )
    result = run_on(root)
    assert result.to_json()["source"]["manifest"]["uri"].endswith("exp-Manifest.json")
    assert str(result.totals[0].export_bedrock_total) == "1.00"


@pytest.mark.parametrize("period", ["2026-13", "2026/10", "oct", ""])
def test_bad_period(tmp_path: Path, run_on: RunFn, period: str) -> None:
    with pytest.raises(ConfigError, match="YYYY-MM"):
        run_on(tmp_path, period=period)


def test_output_folder_that_cannot_be_created(tmp_path: Path, run_on: RunFn) -> None:
    write(tmp_path / "e" / "a.parquet", [tagged("p", "CC-1", 1.0)])
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(ChargebackError, match=r"cannot create the output folder"):
        run_on(tmp_path / "e", out=tmp_path / "file" / "out")


def test_crash_while_writing_keeps_the_previous_set(
    tmp_path: Path, run_on: RunFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "e" / "a.parquet", [tagged("p", "CC-1", 1.0)])
    out = tmp_path / "out"
    first = run_on(tmp_path / "e", out=out)
    before = {p.name: p.read_bytes() for p in Path(first.output_dir).rglob("*") if p.is_file()}

    def broken(*_args: object, **_kw: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("chargeback.report.outputs.write_workbook", broken)
    write(tmp_path / "e" / "a.parquet", [tagged("p", "CC-1", 5.0)])
    with pytest.raises(OutputError, match=r"cannot write the statements for 2026-10 \(disk full\)"):
        run_on(tmp_path / "e", out=out)
    after = {p.name: p.read_bytes() for p in Path(first.output_dir).rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in out.iterdir()) == ["2026-10", "2026-10.history", "2026-10.runs"]
    assert len(list((out / "2026-10.history").iterdir())) == 1  # the first run's event only
    assert [p.name for p in (out / "2026-10.runs").iterdir()] == [
        Path(first.output_dir).resolve().name
    ]
