"""A statement longer than a sheet goes on over more sheets with a total covering them all,
and no write XlsxWriter refuses is ever dropped or cut silently.

A real 1,048,576-line statement is too heavy for a test: the splitting is checked with the
sheet's row count lowered through ``max_rows`` (production uses ``EXCEL_ROWS``), and the
refusals at Excel's real limits on a sheet directly.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from xlsxwriter.utility import xl_cell_to_rowcol
from xlsxwriter.worksheet import Worksheet

from chargeback.errors import ExitCode, OutputError
from chargeback.report.header import RunHeader
from chargeback.report.templates import load_templates
from chargeback.report.xlsx.sheets import CHECKED_METHODS, EXCEL_ROWS, add_sheet
from chargeback.report.xlsx.workbook import write_statement_workbook, write_workbook
from tests.e2e.test_libreoffice import SOFFICE, recalculate
from tests.support.builders import tagged, write
from tests.support.paths import REPO
from tests.support.runs import RunFn

MAX_ROWS = 30
HEADER = RunHeader("2026-10", "export", "net_unblended", "2026-11-01T00:00:00", "t", ("INV-1",))


def long_month(root: Path) -> tuple[Path, dict[tuple[str, str], Decimal]]:
    """CC-1 with 60 statement lines over three projects, CC-2 with one; CC-1's lines."""
    rows, expected = [], {}
    for p in range(3):
        for u in range(20):
            cost = Decimal(f"{p + 1}.{u:02d}")
            rows.append(tagged(f"p{p}", "CC-1", float(cost), line_item_usage_type=f"USE1-k{u}"))
            expected[(f"p{p}", f"USE1-k{u}")] = cost
    rows.append(tagged("q", "CC-2", 7.5))
    write(root / "a.parquet", rows)
    return root, expected


def statement_sheets(book: Any, first: str) -> list[Any]:
    names = book.sheetnames
    start = names.index(first)
    chain = [first] + [n for n in names[start + 1 :] if re.fullmatch(rf"{first} \(\d+\)", n)]
    return [book[n] for n in chain]


def table(ws: Any) -> tuple[int, dict[str, int]]:
    """The table header's row and its columns, found by the label of the Amount column."""
    for row in ws.iter_rows():
        labels = {c.value: c.column for c in row if isinstance(c.value, str)}
        if "Amount" in labels:
            return row[0].row, labels
    raise AssertionError(f"no table on {ws.title}")


def evaluate(values: Any, formulas: Any, sheet: str, formula: str) -> Decimal:
    """A SUM/SUBTOTAL(9) over ranges on any sheet, from the stored cell values; SUBTOTAL
    skips the cells that are SUBTOTALs themselves, as Excel does."""
    total = Decimal(0)
    for name, first, last in re.findall(r"(?:'([^']+)'!)?([A-Z]+\d+):([A-Z]+\d+)", formula):
        (r1, col), (r2, _col) = xl_cell_to_rowcol(first), xl_cell_to_rowcol(last)
        for r in range(r1 + 1, r2 + 2):
            text = formulas[name or sheet].cell(r, col + 1).value
            if isinstance(text, str) and text.startswith("=SUBTOTAL"):
                continue
            total += Decimal(str(values[name or sheet].cell(r, col + 1).value or 0))
    return total


def check_split(path: Path, first: str, expected: dict[tuple[str, str], Decimal]) -> list[Any]:
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    sheets = statement_sheets(values, first)
    assert len(sheets) > 3  # the statement did not fit on one sheet of MAX_ROWS rows
    seen: Counter[tuple[str, str]] = Counter()
    for i, ws in enumerate(sheets):
        assert ws.max_row <= MAX_ROWS
        head, cols = table(ws)
        if i:
            assert ws["B4"].value == sheets[i - 1].title  # continued from
        if i < len(sheets) - 1:
            assert ws.cell(MAX_ROWS, 1).value == f"Continued on sheet {sheets[i + 1].title}"
        for r in range(head + 1, ws.max_row + 1):
            project = ws.cell(r, cols["Project"]).value
            usage = ws.cell(r, cols["Usage type"]).value
            if usage:
                amount = Decimal(str(ws.cell(r, cols["Amount"]).value))
                assert expected[(project, usage)] == amount.quantize(Decimal("0.01"))
                seen[(project, usage)] += 1
    assert seen == Counter(set(expected))  # every line once, none cut

    last = sheets[-1]
    head, cols = table(last)
    total_row = max(r for r in range(head + 1, last.max_row + 1) if last.cell(r, 1).value)
    total_cell = last.cell(total_row, cols["Amount"])
    assert str(last.cell(total_row, 1).value).startswith("Total")
    assert Decimal(str(total_cell.value)) == sum(expected.values())
    formula = formulas[last.title].cell(total_row, cols["Amount"]).value
    assert formula.startswith("=SUBTOTAL(9,")
    assert all(f"'{ws.title}'!" in formula for ws in sheets[:-1])
    assert evaluate(values, formulas, last.title, formula) == sum(expected.values())
    return sheets


def test_a_long_statement_continues_over_sheets_with_a_total_of_all(
    tmp_path: Path, run_on: RunFn
) -> None:
    source, expected = long_month(tmp_path / "e")
    allocation = run_on(source).allocation
    template = load_templates().workbook
    path = tmp_path / "book.xlsx"
    write_workbook(path, allocation, HEADER, template, max_rows=MAX_ROWS)
    sheets = check_split(path, "CC-1", expected)
    names = openpyxl.load_workbook(path).sheetnames
    assert names[: len(sheets) + 2] == ["Summary", *[ws.title for ws in sheets], "CC-2"]

    alone = tmp_path / "CC-1.xlsx"
    (cc1,) = [t.cost_centers for t in allocation.totals]
    centers = [c for c in cc1 if c.cost_center == "CC-1"]
    write_statement_workbook(alone, "CC-1", centers, allocation, HEADER, template, MAX_ROWS)
    check_split(alone, "CC-1", expected)

    if SOFFICE is not None:  # a real spreadsheet recalculates every total to the stored value
        (copy,) = recalculate([alone], tmp_path)
        again = openpyxl.load_workbook(copy, data_only=True)
        stored = openpyxl.load_workbook(alone, data_only=True)
        formulas = openpyxl.load_workbook(alone)
        checked = 0
        for ws in statement_sheets(formulas, "CC-1"):
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and c.value.startswith("="):
                        want = Decimal(str(stored[ws.title][c.coordinate].value))
                        got = Decimal(str(again[ws.title][c.coordinate].value))
                        assert got.quantize(Decimal("0.01")) == want, (ws.title, c.coordinate)
                        checked += 1
        assert checked == 4  # the amounts of 3 project subtotals and of the total


def test_the_limit_is_excels_and_a_refused_write_raises(tmp_path: Path) -> None:
    assert EXCEL_ROWS == 1_048_576 == Worksheet().xls_rowmax
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    ws = add_sheet(wb, "Sheet")
    assert ws.write_number(EXCEL_ROWS - 1, 0, 1) == 0
    with pytest.raises(OutputError) as info:
        ws.write_number(EXCEL_ROWS, 0, 1)
    assert str(info.value) == (
        "cannot write row 1,048,577 of sheet 'Sheet' in x.xlsx (write_number: past Excel's "
        "limits (1,048,576 rows, 16,384 columns)); nothing was published"
    )
    assert info.value.exit_code == ExitCode.OUTPUT
    with pytest.raises(OutputError, match=r"text longer than Excel's 32,767 characters"):
        ws.write_string(0, 0, "x" * 32_768)
    wb.close()


def test_every_write_xlsxwriter_can_refuse_is_checked() -> None:
    refusing = {
        name
        for name, method in inspect.getmembers(Worksheet, inspect.isfunction)
        if not name.startswith("_")
        and re.search(r"return -\d|return self\._", inspect.getsource(method))
    }
    assert refusing <= set(CHECKED_METHODS)
    for path in (REPO / "chargeback").rglob("*.py"):
        calls = [
            node
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_worksheet"
        ]
        if path.name != "sheets.py":  # every sheet is added by sheets.add_sheet, checked
            assert not calls, path


def test_a_cell_excel_cannot_hold_stops_the_run_and_publishes_nothing(
    tmp_path: Path, run_on: RunFn
) -> None:
    write(tmp_path / "good" / "a.parquet", [tagged("p", "CC-1", 1.0)])
    out = tmp_path / "out"
    first = run_on(tmp_path / "good", out=out)
    month = Path(first.output_dir)
    before = {p.name: p.read_bytes() for p in month.rglob("*") if p.is_file()}

    huge = "CC-" + "x" * 40_000  # AWS caps tag values at 256 characters; a file can hold more
    write(tmp_path / "bad" / "a.parquet", [tagged("p", huge, 1.0), tagged("p", "CC-1", 2.0)])
    with pytest.raises(OutputError) as info:
        run_on(tmp_path / "bad", out=out, threads=1)
    assert str(info.value) == (
        "cannot write row 12 of sheet 'Summary' in chargeback-2026-10.xlsx (write_string: "
        "text longer than Excel's 32,767 characters); nothing was published"
    )
    assert {p.name: p.read_bytes() for p in month.rglob("*") if p.is_file()} == before
    assert [p.name for p in (out / "2026-10.runs").iterdir()] == [month.resolve().name]
