"""Running one month with both scan engines and comparing what they wrote, cell for cell."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from chargeback.pipeline import run
from chargeback.results import RunResult
from chargeback.settings.model import RunConfig, ScanEngine

#: Both runs are stamped with this time, so their run ids and dates are the same.
NOW = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)

#: run.json fields that say how long or with what a run went, not what it found.
VOLATILE = ("seconds", "phase_seconds")


def run_both(config: RunConfig, out: Path) -> tuple[RunResult, RunResult]:
    """``config`` run with the DuckDB scan into out/duckdb and the Spark scan into out/spark."""
    duck = run(replace(config, out=str(out / "duckdb"), engine=ScanEngine.DUCKDB), now=NOW)
    spark = run(replace(config, out=str(out / "spark"), engine=ScanEngine.SPARK), now=NOW)
    return duck, spark


def _files(folder: Path) -> dict[str, Path]:
    return {str(p.relative_to(folder)): p for p in sorted(folder.rglob("*")) if p.is_file()}


def _run_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for key in VOLATILE:
        data.pop(key, None)
    data["settings"].pop("duckdb", None)  # threads and spill of the machine, not the month
    return data


def _cells(path: Path) -> dict[str, list[list[Any]]]:
    book = load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book}


def assert_same_outputs(duck: RunResult, spark: RunResult) -> int:
    """Every file the two runs wrote is the same: CSV and journal byte for byte, workbooks
    cell for cell, run.json field for field (timings aside). Returns how many files."""
    left, right = Path(duck.output_dir), Path(spark.output_dir)
    files, other = _files(left), _files(right)
    assert sorted(files) == sorted(other)
    for name, path in files.items():
        if name.endswith(".xlsx"):
            assert _cells(path) == _cells(other[name]), name
        elif name == "run.json":
            assert _run_json(path) == _run_json(other[name])
        else:
            assert path.read_bytes() == other[name].read_bytes(), name
    return len(files)
