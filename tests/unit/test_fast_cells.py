"""The write phase's innermost loop (issue 19) writes a statement's cells itself:
``write_record`` renders each row's XML when the row is written and
``CheckedWorksheet._write_cell`` writes text and number cells directly. The workbook made that
way is, part for part, the one XlsxWriter's own writers make (``write_string`` and
``write_number`` cell by cell, its own ``Worksheet._write_cell``), hostile text, every kind of
cell and rows that mix a record with other cells included, in a sheet held in memory and in a
streamed one."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.worksheet import Worksheet

from chargeback.errors import OutputError
from chargeback.report.safety import clean_text
from chargeback.report.templates import load_templates
from chargeback.report.xlsx import kit, sheets
from chargeback.report.xlsx.kit import Formats, Value, add_sheet, total_row, write_record

HOSTILE = [
    '=HYPERLINK("x")',
    'a<b>&"c"',
    "  padded  ",
    "tab\there\x01",
    "ünïcödé €",
    "",
    "_x0041_ stays",
    "line\nbreak",
    "ends in a newline\n",
    'quote " and > only',
]
COLUMNS = ["project_id", "model", "amount", "usage_amount", "line_items", "share_pct", "note"]

Writer = Callable[[Any, int, Sequence[str], Mapping[str, Value], str, Formats], None]


def cell_by_cell(
    ws: Any,
    row: int,
    columns: Sequence[str],
    record: Mapping[str, Value],
    currency: str,
    fmt: Formats,
) -> None:
    """The reference: what ``write_record`` stands for, through XlsxWriter's public writers."""
    for col, key in enumerate(columns):
        value = record.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, str):
            ws.write_string(row, col, clean_text(value), fmt.text)
        else:
            ws.write_number(row, col, float(value), fmt.for_column(key, currency))


def book(path: Path, write: Writer) -> dict[str, bytes]:
    wb = sheets.SafeWorkbook(str(path), {"strings_to_formulas": False, "in_memory": False})
    fmt = Formats(wb, load_templates().workbook)
    for stream in (False, True):
        ws = add_sheet(wb, f"S{int(stream)}", stream=stream)
        row = 0
        for i, text in enumerate(HOSTILE * 3):
            record: dict[str, Value] = {
                "project_id": text,
                "model": f"m{i % 4}",
                "amount": Decimal(f"{i}.{i:02d}") * (-1 if i % 2 else 1),
                "usage_amount": Decimal("1e-9") * i if i % 3 else None,
                "line_items": i,
                "share_pct": 1e20 / (i + 1),
                "note": "" if i % 2 else "n",
            }
            if i % 7 == 3:  # cells of the row written before the record: one it replaces
                ws.write_string(row, 1, "before", fmt.label)
                ws.write_string(row, 7, "kept", fmt.label)
            write(ws, row, COLUMNS, record, "USD" if i % 5 else "EUR", fmt)
            if i % 7 == 5:  # and cells written after it: between, over, past its cells
                ws.write_string(row, 5, "over", fmt.label)
                ws.write_number(row, 8, 42.5, fmt.text)
            if i % 11 == 4:
                ws.write_string(row, 0, "first replaced", fmt.label)
                ws.write_blank(row, 6, None, fmt.text)
            row += 1
        write(ws, row, ["model"], {"model": "one cell"}, "USD", fmt)
        row += 1
        total_row(ws, row, COLUMNS, "Total", 0, row - 1, {"amount": Decimal(7)}, "USD", fmt)
        ws.write_blank(row + 1, 0, None, fmt.text)
        ws.write_number(row + 2, 1, 3.5)  # no format: the column's, as XlsxWriter does
        ws.write_string(row + 2, 2, "plain")
        ws.write_boolean(row + 3, 0, True)
        ws.set_row(row + 3, 30)  # row attributes: on a row with cells, and on an empty one
        ws.set_row(row + 5, None, fmt.label)
        spans = [kit.Span("S0", 0, 3), kit.Span("S1", 2, 5)]  # a total over both sheets
        kit.spans_formula(ws, row + 6, 2, spans, Decimal(3), fmt.text, function="SUBTOTAL")
        if not stream:  # a chart caches the cells it shows: the records' text and numbers
            chart = wb.add_chart({"type": "bar"})
            for col in (2, 4, 5):
                chart.add_series(
                    {"categories": ["S0", 0, 1, row, 1], "values": ["S0", 0, col, row, col]}
                )
            ws.insert_chart(0, 10, chart)
    wb.close()
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_rendered_rows_are_what_xlsxwriter_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = book(tmp_path / "fast.xlsx", write_record)
    with monkeypatch.context() as m:
        m.setattr(sheets.CheckedWorksheet, "_write_cell", Worksheet._write_cell)
        m.setattr(sheets.CheckedWorksheet, "_calculate_spans", Worksheet._calculate_spans)
        m.setattr(sheets.CheckedWorksheet, "_write_rows", Worksheet._write_rows)
        m.setattr(sheets._SharedStrings, "_write_si", SharedStrings._write_si)
        m.setattr(sheets.CheckedWorksheet, "_prepare_formula", Worksheet._prepare_formula)
        m.setattr(kit, "write_record", cell_by_cell)
        plain = book(tmp_path / "plain.xlsx", cell_by_cell)
    assert list(fast) == list(plain)
    for name in plain:
        assert fast[name] == plain[name], name
    sheet = fast["xl/worksheets/sheet1.xml"].decode()
    assert 't="s"' in sheet and 'spans="1:9"' in sheet
    streamed = fast["xl/worksheets/sheet2.xml"].decode()
    assert 't="inlineStr"' in streamed and "a&lt;b&gt;&amp;" in streamed
    chart = fast["xl/charts/chart1.xml"].decode()
    assert "<c:v>m3</c:v>" in chart and "<c:v>-1.01</c:v>" in chart


def test_rendered_rows_read_back(tmp_path: Path) -> None:
    path = tmp_path / "fast.xlsx"
    book(path, write_record)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        assert rows[0][0] == '=HYPERLINK("x")' and rows[0][4] == 0  # text, not a formula
        assert rows[2][0] == "  padded  " and rows[3][0] == "tab\there\\x01"
        assert (
            rows[3][1] == "m3"
            and rows[3][7] == "kept"
            and rows[5][5] == "over"
            and rows[5][8] == 42.5
        )
        assert rows[4][0] == "first replaced" and rows[4][2] == 4.04
        assert rows[7][0] == "line\nbreak"  # (row 7: Excel's _x escape, which openpyxl keeps)
        assert rows[1][2] == -1.01 and rows[1][3] == pytest.approx(1e-9)


def test_a_streamed_rich_looking_text_stays_text(tmp_path: Path) -> None:
    """XlsxWriter writes a streamed text that looks like a rich string (``<r>...</r>``) as
    raw XML: a tag value could inject cells or a formula. Here it stays the text it is."""
    path = tmp_path / "rich.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    fmt = Formats(wb, load_templates().workbook)
    ws = add_sheet(wb, "S", stream=True)
    hostile = '<r><t>x</t></r></is><f>HYPERLINK("http://e.invalid")</f><is><r></r>'
    write_record(ws, 0, ["model"], {"model": hostile}, "USD", fmt)
    ws.write_string(1, 0, hostile, fmt.text)
    ws.write_string(2, 0, hostile)
    wb.close()
    cells = [c.value for (c,) in openpyxl.load_workbook(path)["S"].iter_rows()]
    assert cells == [hostile] * 3


def test_refused_rendered_cells_raise(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "r.xlsx"))
    fmt = Formats(wb, load_templates().workbook)
    ws = add_sheet(wb, "S")
    with pytest.raises(OutputError, match="32,767"):
        write_record(ws, 0, ["model"], {"model": "x" * 40_000}, "USD", fmt)
    with pytest.raises(OutputError, match="row 1,048,577"):
        write_record(ws, kit.EXCEL_ROWS, ["model"], {"model": "x"}, "USD", fmt)
    with pytest.raises(OutputError, match="inf"):
        write_record(ws, 0, ["amount"], {"amount": float("inf")}, "USD", fmt)
    streamed = add_sheet(wb, "T", stream=True)
    write_record(streamed, 5, ["model"], {"model": "x"}, "USD", fmt)
    write_record(streamed, 6, ["model"], {"model": "y"}, "USD", fmt)
    with pytest.raises(OutputError, match="row 6"):
        write_record(streamed, 5, ["model"], {"model": "late"}, "USD", fmt)
    wb.close()
