"""Issue 18's gaps: adjustment.xlsx shows the raw values; orphaned adjustment sets go."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner, Result

from chargeback.frontends.cli import app
from chargeback.pipeline import run
from chargeback.report.safety import csv_raw, csv_text
from chargeback.results import RunResult
from chargeback.settings.model import Period, RunConfig
from tests.support.builders import tagged, write
from tests.support.runs import read_csv
from tests.support.s3server import S3

runner = CliRunner()
HOSTILE = '=HYPERLINK("http://x","y")'
OCT, NOV = Period.parse("2026-10"), Period.parse("2026-11")


def cli(*args: str) -> Result:
    return runner.invoke(app, list(args))


def export(folder: Path, rows: list[dict[str, object]]) -> Path:
    write(folder / "data" / "part-1.parquet", rows)
    return folder


def run_cli(source: Path, out: Path) -> Result:
    args = ["run", str(source), "--period", "2026-10", "--out", str(out), "-q"]
    return cli(*args, "--post-period", "2026-11")


def closed_then_restated(tmp_path: Path, restated: list[dict[str, object]]) -> Path:
    out = tmp_path / "out"
    closed = [tagged("p1", "CC-1", 10.00), tagged("p2", HOSTILE, 4.00)]
    assert run_cli(export(tmp_path / "oct", closed), out).exit_code == 0
    assert cli("close", "--period", "2026-10", "--out", str(out)).exit_code == 0
    got = run_cli(export(tmp_path / "restated", restated), out)
    assert got.exit_code == 0, got.output
    return out


def test_the_adjustment_workbook_shows_a_hostile_tag_as_typed_and_as_text(
    tmp_path: Path,
) -> None:
    # p2 stays with the hostile cost center (changed amount), p3 moves to it (added there)
    restated = [
        tagged("p1", "CC-1", 10.00),
        tagged("p2", HOSTILE, 6.00),
        tagged("p3", HOSTILE, 1.00),
    ]
    out = closed_then_restated(tmp_path, restated)
    (folder,) = (out / "2026-10.adjustments").iterdir()
    book = openpyxl.load_workbook(folder / "adjustment.xlsx")
    centers = [r[1] for r in book["Adjustment"].iter_rows(min_col=1, max_col=2)]
    hostile = [c for c in centers if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert [c.value for c in hostile] == [HOSTILE]  # not "'=HYPERLINK..."
    assert hostile[0].data_type == "s"  # a string cell, not a formula
    changes = list(book["Line changes"].iter_rows(min_row=2))
    assert sorted(str(r[8].value) for r in changes) == ["p2", "p3"]
    assert {r[2].value for r in changes} == {HOSTILE}
    assert {r[2].data_type for r in changes} == {"s"}
    # the CSVs disarm it once, as the statements do
    summary = read_csv(folder / "adjustment-summary.csv")
    assert {r["cost_center"] for r in summary} == {"CC-1", "'" + HOSTILE}
    lines = read_csv(folder / "adjustment-lines.csv")
    assert {r["cost_center"] for r in lines} == {"'" + HOSTILE}
    assert {r["adjustment"] for r in lines} == {"2.00", "1.00"}


def test_an_unchanged_hostile_value_is_no_change(tmp_path: Path) -> None:
    out = closed_then_restated(tmp_path, [tagged("p1", "CC-1", 10.00), tagged("p2", HOSTILE, 4.0)])
    assert not (out / "2026-10.adjustments").exists()


def test_the_csv_disarming_is_undone_exactly() -> None:
    typed = ["=x", "'=x", "''+1", "'abc", "abc", "-1.00", "\t=x", "@a", "", "'"]
    assert [csv_raw(csv_text(v)) for v in typed] == typed
    assert len({csv_text(v) for v in typed}) == len(typed)  # no two values stored alike


# -- orphaned adjustment sets ------------------------------------------------------------------

OCTOBER = [tagged("p1", "CC-1", 10.00), tagged("p2", "CC-2", 4.00)]
RESTATED = [tagged("p1", "CC-1", 10.80), tagged("p2", "CC-2", 4.00)]
RESTATED_AGAIN = [tagged("p1", "CC-1", 11.00), tagged("p2", "CC-2", 4.00)]


def library_run(source: Path, out: str) -> RunResult:
    config = RunConfig(source=str(source), period=OCT, out=out, post_period=NOV)
    return run(config, now=datetime(2026, 11, 20, tzinfo=UTC))


def test_an_adjustment_set_left_by_a_killed_run_is_removed_locally(tmp_path: Path) -> None:
    out = tmp_path / "out"
    library_run(export(tmp_path / "oct", OCTOBER), str(out))
    assert cli("close", "--period", "2026-10", "--out", str(out)).exit_code == 0
    restated = export(tmp_path / "restated", RESTATED)
    killed = library_run(restated, str(out)).adjustment
    assert killed is not None and killed.adjustment_id is not None
    # the run was killed after writing its set, before recording it: no event names it
    (out / "2026-10.history" / "000003-adjustment.json").unlink()
    folder = out / "2026-10.adjustments"
    (folder / "notes").mkdir()  # not the tool's: never touched
    (folder / "notes" / "x.txt").write_text("mine\n")
    (folder / "20261001T000000Z-0123456789ab").mkdir()  # the tool's name, no record

    again = library_run(restated, str(out)).adjustment
    assert again is not None and again.adjustment_id is not None
    assert again.status == "adjusted"
    assert sorted(p.name for p in folder.iterdir()) == sorted([again.adjustment_id, "notes"])
    assert (folder / "notes" / "x.txt").read_text() == "mine\n"
    history = sorted(p.name for p in (out / "2026-10.history").iterdir())
    assert history == ["000001-run.json", "000002-close.json", "000003-adjustment.json"]
    summary = read_csv(folder / str(again.adjustment_id) / "adjustment-summary.csv")
    assert {r["cost_center"]: Decimal(r["adjustment"]) for r in summary} == {
        "CC-1": Decimal("10.80") - Decimal("10.00"),
        "CC-2": Decimal(0),
    }


def test_a_set_another_run_could_still_record_stays(tmp_path: Path) -> None:
    out = tmp_path / "out"
    library_run(export(tmp_path / "oct", OCTOBER), str(out))
    assert cli("close", "--period", "2026-10", "--out", str(out)).exit_code == 0
    first = library_run(export(tmp_path / "r1", RESTATED), str(out)).adjustment
    assert first is not None and first.adjustment_id is not None
    folder = out / "2026-10.adjustments"
    # a set another run is writing against the latest baseline (first): it may still be
    # recorded, so a run that finds nothing to adjust leaves it
    in_flight = folder / "20261120T000001Z-00000000000a"
    shutil.copytree(folder / first.adjustment_id, in_flight)
    record = json.loads((in_flight / "adjustment.json").read_text())
    record["against"] = first.adjustment_id
    (in_flight / "adjustment.json").write_text(json.dumps(record))
    unchanged = library_run(export(tmp_path / "r1b", RESTATED), str(out)).adjustment
    assert unchanged is not None and unchanged.status == "unchanged"
    assert sorted(p.name for p in folder.iterdir()) == sorted([first.adjustment_id, in_flight.name])
    # once the baseline moves on, it can never be recorded: the next run removes it
    second = library_run(export(tmp_path / "r2", RESTATED_AGAIN), str(out)).adjustment
    assert second is not None and second.adjustment_id is not None
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [first.adjustment_id, second.adjustment_id]
    )


def test_an_adjustment_set_left_by_a_killed_run_is_removed_on_s3(
    s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHARGEBACK_THREADS", "1")
    s3.client.create_bucket(Bucket="finance-reports")
    out = "s3://finance-reports/cb"
    library_run(export(tmp_path / "oct", OCTOBER), out)
    assert cli("close", "--period", "2026-10", "--out", out).exit_code == 0
    restated = export(tmp_path / "restated", RESTATED)
    killed = library_run(restated, out).adjustment
    assert killed is not None and killed.adjustment_id is not None
    s3.client.delete_object(
        Bucket="finance-reports", Key="cb/2026-10/history/000003-adjustment.json"
    )
    prefix = "cb/2026-10/adjustments/"
    s3.client.put_object(Bucket="finance-reports", Key=prefix + "notes/x.txt", Body=b"mine\n")
    partial = prefix + "20261001T000000Z-0123456789ab/adjustment-lines.csv"
    s3.client.put_object(Bucket="finance-reports", Key=partial, Body=b"half")

    again = library_run(restated, out).adjustment
    assert again is not None and again.status == "adjusted"
    kept = {k.removeprefix(prefix).split("/")[0] for k in s3.keys("finance-reports", prefix)}
    assert kept == {str(again.adjustment_id), "notes"}
    assert s3.text("finance-reports", prefix + "notes/x.txt") == "mine\n"
    assert s3.keys("finance-reports", "cb/2026-10/history/") == [
        "cb/2026-10/history/000001-run.json",
        "cb/2026-10/history/000002-close.json",
        "cb/2026-10/history/000003-adjustment.json",
    ]
