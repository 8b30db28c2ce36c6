"""Hostile values through every output: no formula, no path outside the folder, no SQL.

Tag values come from anyone who can create a Bedrock project; the test plants formula
prefixes, paths, device names, case twins, quotes and semicolons, then sweeps every file the
run wrote: every workbook cell, every CSV field, every path.
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

import openpyxl
import pytest

from chargeback.report.safety import FORMULA_PREFIXES
from tests.support.builders import PROJECT, cur2_row, tagged, write
from tests.support.runs import RunFn, summary_amounts

HOSTILE_CENTERS = [
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    "../../etc",
    "../x",
    "/etc/passwd",
    "CON",
    "a/b",
    "cc-1",
    "CC-1",
    "x" * 300,
    "semi;colon'quote\"",
    "History",
    "Summary",
]
HOSTILE_TAGS = {
    "user_application": "=cmd|' /C calc'!A0",
    "user_owner": "@evil",
    "user_team": "-10+20",
    "user_environment": "+Prod",
}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("hostile")
    rows = [
        cur2_row(
            cost=1.0 + i,
            line_item_resource_id=PROJECT + f"=proj{i}",
            resource_tags={"user_cost_center": cc, **HOSTILE_TAGS},
        )
        for i, cc in enumerate(HOSTILE_CENTERS)
    ]
    rows.append(tagged("default", None, 0.5, line_item_iam_principal="=1+1"))
    write(root / "e" / "a.parquet", rows)
    return root / "e", root / "out"


def test_every_output_is_safe(hostile_run: tuple[Path, Path], run_on: RunFn) -> None:
    source, out = hostile_run
    result = run_on(source, out=out)
    month = Path(result.output_dir)

    # every file stays inside the month's set (or is its history), one statement pair per
    # cost center
    current = month.resolve()
    history = out / "2026-10.history"
    for path in out.rglob("*"):
        inside = path.resolve().is_relative_to(current) or path.is_relative_to(history)
        assert path in (month, current.parent) or inside, path
    statements = sorted(p.stem for p in (month / "statements").glob("*.xlsx"))
    assert len(statements) == len(HOSTILE_CENTERS)
    assert len({s.lower() for s in statements}) == len(statements)
    assert sorted(p.stem for p in (month / "statements").glob("*.csv")) == statements

    workbooks = list(month.rglob("*.xlsx"))
    assert len(workbooks) == len(HOSTILE_CENTERS) + 1
    seen_text: set[str] = set()
    for book in workbooks:
        wb = openpyxl.load_workbook(book)
        assert len({n.lower() for n in wb.sheetnames}) == len(wb.sheetnames)
        for ws in wb.worksheets:
            assert len(ws.title) <= 31 and not set(ws.title) & set("[]:*?/\\")
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        # only the tool's own totals are formulas
                        assert str(cell.value).startswith(("=SUM(", "=SUBTOTAL(", "=")), cell
                        assert not any(h in str(cell.value) for h in ("HYPERLINK", "cmd", "@"))
                    elif isinstance(cell.value, str):
                        seen_text.add(cell.value)
    for value in ('=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "@evil", "-10+20"):
        assert value in seen_text, value  # shown as typed, as text

    csvs = list(month.rglob("*.csv"))
    assert len(csvs) >= 3 + len(HOSTILE_CENTERS)
    for path in csvs:
        with path.open(newline="", encoding="utf-8") as handle:
            for record in csv.reader(handle):
                for field in record:
                    if field.startswith(FORMULA_PREFIXES):
                        try:
                            Decimal(field)  # a negative amount is a number, not a formula
                        except InvalidOperation:
                            pytest.fail(f"{path.name}: {field!r} would run as a formula")


def test_tag_keys_with_quotes_and_semicolons_are_only_parameters(
    tmp_path: Path, run_on: RunFn
) -> None:
    key = "Cost'Center; DROP TABLE cur; --"
    rows = [
        cur2_row(
            cost=2.0, line_item_resource_id=PROJECT + "p", tags={f"resourceTags/{key}": "CC-9"}
        ),
        tagged("q", "CC-1", 3.0),
    ]
    write(tmp_path / "e" / "a.parquet", rows)
    got = summary_amounts(run_on(tmp_path / "e", cost_center_tag=key))
    assert got == {"CC-9": "2.00", "UNATTRIBUTED": "3.00"}
