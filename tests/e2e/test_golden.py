"""Golden snapshots of the output contracts: what an accountant, a script or a reviewer reads.

The sample month is run twice (default settings, and the README's example config with its
master list, mapping table and tax policy), and every file of the statement set is compared
value by value with the snapshot in ``tests/snapshots/``: the CSV rows, the journal, ``run.json``
less what changes from run to run (times, the input files' modification time, DuckDB's
machine-dependent settings), and a dump of every non-empty cell of every workbook, values and
formulas. A refactor that changes any output fails here.

After an intended change of output, rewrite the snapshots with
``UPDATE_SNAPSHOTS=1 pytest tests/e2e/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import csv
import json
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from chargeback.pipeline import run
from chargeback.settings.files import build_run_config, load_settings
from chargeback.settings.model import Period, RunConfig
from tests.support.paths import REPO, SAMPLE

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots"
NOW = datetime(2026, 11, 3, 8, 0, 0, tzinfo=UTC)
EXAMPLE = REPO / "examples" / "sample-config" / "chargeback.toml"

#: run.json keys whose values change from run to run or machine to machine.
VOLATILE = {"seconds", "phase_seconds", "duckdb"}


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [list(row) for row in csv.reader(handle)]


def cell_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def workbook_cells(path: Path) -> dict[str, list[list[Any]]]:
    """Every non-empty cell of every sheet, as written: formulas as their text."""
    book = openpyxl.load_workbook(path, data_only=False)
    sheets: dict[str, list[list[Any]]] = {}
    for sheet in book.worksheets:
        cells = []
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    cells.append([cell.coordinate, cell_value(cell.value), cell.number_format])
        sheets[sheet.title] = cells
    return sheets


def normalized(value: Any, replace: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: normalized(v, replace) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [normalized(v, replace) for v in value]
    if isinstance(value, str):
        for old, new in replace.items():
            value = value.replace(old, new)
        return value
    return value


def statement_set(folder: Path, replace: dict[str, str]) -> dict[str, Any]:
    """Everything in one published month, keyed by its path inside the month's folder."""
    dump: dict[str, Any] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if path.suffix == ".csv":
            dump[name] = normalized(csv_rows(path), replace)
        elif path.suffix == ".xlsx":
            dump[name] = normalized(workbook_cells(path), replace)
        elif path.suffix == ".html":  # report.html, line by line (each SVG is one line)
            dump[name] = normalized(path.read_text(encoding="utf-8").splitlines(), replace)
        elif path.name == "run.json":
            info = json.loads(path.read_text(encoding="utf-8"))
            info["source"]["version"] = "<mtime of the input files>"
            dump[name] = normalized(info, replace)
        else:
            dump[name] = "<unexpected file>"
    return dump


def sample_config(tmp_path: Path, with_rules: bool) -> RunConfig:
    out = str(tmp_path / "out")
    if not with_rules:
        return RunConfig(source=str(SAMPLE), period=Period.parse("2026-10"), out=out)
    settings = load_settings(EXAMPLE)
    return build_run_config(str(SAMPLE), "2026-10", settings, out=out)


@pytest.mark.parametrize("case", ["sample-default", "sample-example-config"])
def test_the_sample_month_matches_its_golden_snapshot(tmp_path: Path, case: str) -> None:
    config = sample_config(tmp_path, with_rules=case == "sample-example-config")
    result = run(config, now=NOW)
    replace = {str(tmp_path): "<tmp>", str(REPO): "<repo>"}
    got = statement_set(Path(result.output_dir), replace)
    snapshot = SNAPSHOTS / f"{case}.json"
    text = json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(text, encoding="utf-8")
    expected = json.loads(snapshot.read_text(encoding="utf-8"))
    assert sorted(got) == sorted(expected), "the set of files changed"
    for name in expected:
        assert got[name] == expected[name], f"{name} differs from {snapshot.name}"
