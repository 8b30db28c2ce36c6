"""Issue 18's gaps: adjustment.xlsx shows the raw values; orphaned adjustment sets go."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from typer.testing import CliRunner, Result

from chargeback.frontends.cli import app
from chargeback.report.safety import csv_raw, csv_text
from tests.support.builders import tagged, write
from tests.support.runs import read_csv

runner = CliRunner()
HOSTILE = '=HYPERLINK("http://x","y")'


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
