"""The consolidated workbook's one Statements sheet (past ``MAX_STATEMENT_SHEETS`` cost
centers), and its Unit economics sheet then, are streamed to a temporary file row by row
(issue 19: memory must not grow with the statement lines). Streaming drops any cell written
above the last row written, so: the streamed workbook, read back, holds every cell (value
and format) the same workbook holds written in memory, over continuation sheets too; and a
write out of row order raises instead of being lost."""

from __future__ import annotations

import gc
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from chargeback.errors import OutputError
from chargeback.report.templates import load_templates
from chargeback.report.xlsx import kit, sheets
from chargeback.report.xlsx.kit import Formats, add_sheet, write_record
from chargeback.report.xlsx.workbook import write_workbook
from tests.support.builders import tagged, write
from tests.support.runs import RunFn
from tests.unit.test_xlsx_row_limit import HEADER, MAX_ROWS, long_month, statement_sheets, table


def cells(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every non-empty cell of every sheet: where, value, number format, bold."""
    book = openpyxl.load_workbook(path)
    return {
        ws.title: [
            (c.coordinate, c.value, c.number_format, bool(c.font.b))
            for row in ws.iter_rows()
            for c in row
            if c.value is not None
        ]
        for ws in book.worksheets
    }


def month(root: Path) -> tuple[Path, Decimal]:
    """CC-1's 60 lines over three projects, CC-2's one, and three more cost centers."""
    source, expected = long_month(root)
    extra = [tagged(f"x{i}", f"CC-{i}", 1.25 * i) for i in range(3, 6)]
    write(root / "b.parquet", extra)
    return source, sum(expected.values()) + Decimal("7.5") + sum(
        Decimal(str(1.25 * i)) for i in range(3, 6)
    )


@pytest.mark.parametrize("max_rows", [kit.EXCEL_ROWS, MAX_ROWS])
def test_streamed_statements_sheet_keeps_every_cell(
    tmp_path: Path, run_on: RunFn, monkeypatch: pytest.MonkeyPatch, max_rows: int
) -> None:
    source, attributed = month(tmp_path / "e")
    allocation = run_on(source).allocation
    template = load_templates().workbook
    streamed = tmp_path / "streamed.xlsx"
    write_workbook(streamed, allocation, HEADER, template, max_rows=max_rows, max_sheets=1)
    with monkeypatch.context() as m:  # the same workbook with the sheet held in memory
        m.setattr(sheets, "_stream_rows", lambda ws: None)
        held = tmp_path / "held.xlsx"
        write_workbook(held, allocation, HEADER, template, max_rows=max_rows, max_sheets=1)

    # the Statements sheets really were streamed: their text is inline, not shared strings
    with zipfile.ZipFile(streamed) as z, zipfile.ZipFile(held) as h:
        sheet_xml = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        inline = [n for n in sheet_xml if b't="inlineStr"' in z.read(n)]
        assert inline and not any(b't="inlineStr"' in h.read(n) for n in sheet_xml)

    got, want = cells(streamed), cells(held)
    assert list(got) == list(want)
    pages = statement_sheets(openpyxl.load_workbook(streamed), "Statements")
    assert len(pages) > (1 if max_rows == MAX_ROWS else 0)
    assert len(inline) == len(pages) + 1  # and Unit economics
    for title in want:
        assert got[title] == want[title], title
        assert len(got[title]) > 5, title

    # and the lines add up to the month's attributed spend, independently of the code
    values = openpyxl.load_workbook(streamed, data_only=True)
    total = Decimal(0)
    for ws in statement_sheets(values, "Statements"):
        head, cols = table(ws)
        for r in range(head + 1, ws.max_row + 1):
            if ws.cell(r, cols["Usage type"]).value:
                total += Decimal(str(ws.cell(r, cols["Amount"]).value)).quantize(Decimal("0.01"))
    assert total == attributed


def test_a_write_above_the_streamed_rows_raises(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "a.xlsx"), {"in_memory": False})
    fmt = Formats(wb, load_templates().workbook)
    ws = add_sheet(wb, "Statements", stream=True)
    write_record(ws, 5, ["a", "b"], {"a": "x", "b": Decimal(1)}, "USD", fmt)
    write_record(ws, 6, ["a"], {"a": "same row is fine"}, "USD", fmt)
    write_record(ws, 6, ["a", "b"], {"b": Decimal(2)}, "USD", fmt)
    with pytest.raises(OutputError, match="row 3"):
        write_record(ws, 2, ["a"], {"a": "too late"}, "USD", fmt)
    with pytest.raises(OutputError, match="row 2"):
        kit.write_text(ws, 1, 0, "too late", fmt.text)
    wb.close()
    ws = openpyxl.load_workbook(tmp_path / "a.xlsx").active
    rows = list(ws.iter_rows(min_row=1, max_row=7, max_col=2, values_only=True))
    assert rows[5] == ("x", 1) and rows[6] == ("same row is fine", 2)
    assert all(r == (None, None) for r in rows[:5])


def test_a_failed_streamed_workbook_leaves_no_temporary_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    wb = xlsxwriter.Workbook(str(tmp_path / "a.xlsx"), {"in_memory": False})
    fmt = Formats(wb, load_templates().workbook)
    ws = add_sheet(wb, "Statements", stream=True)
    for row in range(50):
        write_record(ws, row, ["a"], {"a": "x" * 100}, "USD", fmt)
    assert any(p.is_file() for p in scratch.rglob("*"))  # the rows are on disk
    del wb, ws, fmt  # as when a writer raises and the workbook is dropped unclosed
    gc.collect()
    assert list(scratch.iterdir()) == []
