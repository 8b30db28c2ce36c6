"""Issue 18: every run of a month is kept and logged; ``chargeback history`` lists them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chargeback.closing import month_history
from chargeback.frontends.cli import app
from chargeback.settings.model import Period
from tests.support.builders import tagged, write
from tests.support.runs import RunFn

runner = CliRunner()
OCT = Period.parse("2026-10")


def export(folder: Path, rows: list[dict[str, object]]) -> Path:
    write(folder / "data" / "part-1.parquet", rows)
    return folder


def test_every_run_is_kept_and_logged_in_order(tmp_path: Path, run_on: RunFn) -> None:
    out = tmp_path / "out"
    first = export(tmp_path / "a", [tagged("p1", "CC-1", 1.25), tagged("p2", "CC-2", 2.5)])
    second = export(tmp_path / "b", [tagged("p1", "CC-1", 1.25), tagged("p2", "CC-2", 4.0)])
    results = [run_on(first, out=out), run_on(second, out=out), run_on(second, out=out)]

    sets = sorted(p.name for p in (out / "2026-10.runs").iterdir())
    assert len(sets) == 3  # nothing replaced is removed
    rows = month_history(str(out), OCT)
    assert [r.seq for r in rows] == [1, 2, 3]
    assert [r.event for r in rows] == ["run", "run", "run"]
    assert [r.run_id for r in rows] == [r.run_id for r in results]
    assert [r.totals for r in rows] == [{"USD": "3.75"}, {"USD": "5.25"}, {"USD": "5.25"}]
    logged = [json.loads(p.read_text()) for p in sorted((out / "2026-10.history").iterdir())]
    assert sorted(e["set"] for e in logged) == sets
    assert (out / "2026-10").resolve().name == logged[-1]["set"]  # the last run is current
    # every logged set is the run it says, whole: its run.json names the same run
    for event in logged:
        record = json.loads((out / "2026-10.runs" / event["set"] / "run.json").read_text())
        assert record["run_id"] == event["run_id"]


def test_history_command_lists_the_runs(tmp_path: Path, run_on: RunFn) -> None:
    out = tmp_path / "out"
    result = run_on(export(tmp_path / "a", [tagged("p1", "CC-1", 7.1)]), out=out)
    got = runner.invoke(app, ["history", "--period", "2026-10", "--out", str(out)])
    assert got.exit_code == 0, got.output
    lines = got.stdout.splitlines()
    assert lines[0] == f"2026-10 history in {out}: 1 event(s)"
    assert lines[2].split()[:3] == ["1", "run", result.run_id]
    assert "USD 7.10" in lines[2]
    assert lines[2].endswith("final")


def test_history_of_a_month_never_published(tmp_path: Path) -> None:
    got = runner.invoke(app, ["history", "--period", "2026-09", "--out", str(tmp_path)])
    assert got.exit_code == 0
    assert got.stdout == f"no history for 2026-09 in {tmp_path}: no run was published there\n"
