"""``CheckedWorksheet._write_cell`` writes a statement's text and number cells itself (the
write phase's innermost loop, issue 19): the workbook it makes is, part for part, the one
XlsxWriter's own ``Worksheet._write_cell`` makes, hostile text and every kind of cell
included, in a sheet held in memory and in a streamed one."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from chargeback.report.templates import load_templates
from chargeback.report.xlsx import kit
from chargeback.report.xlsx.kit import Formats, Value, add_sheet, total_row, write_record

HOSTILE = ['=HYPERLINK("x")', 'a<b>&"c"', "  padded  ", "tab\there\x01", "ünïcödé €", ""]


def book(path: Path) -> dict[str, bytes]:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "in_memory": False})
    fmt = Formats(wb, load_templates().workbook)
    columns = ["project_id", "model", "amount", "usage_amount", "line_items", "share_pct"]
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
            }
            write_record(ws, row, columns, record, "USD" if i % 5 else "EUR", fmt)
            row += 1
        total_row(ws, row, columns, "Total", 0, row - 1, {"amount": Decimal(7)}, "USD", fmt)
        ws.write_blank(row + 1, 0, None, fmt.text)
        ws.write_number(row + 2, 1, 3.5)  # no format: the column's, as XlsxWriter does
        ws.write_string(row + 2, 2, "plain")
        ws.write_boolean(row + 3, 0, True)
    wb.close()
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_fast_cells_write_what_xlsxwriter_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = book(tmp_path / "fast.xlsx")
    with monkeypatch.context() as m:
        m.setattr(kit.CheckedWorksheet, "_write_cell", Worksheet._write_cell)
        plain = book(tmp_path / "plain.xlsx")
    assert list(fast) == list(plain)
    for name in plain:
        assert fast[name] == plain[name], name
    sheet = fast["xl/worksheets/sheet1.xml"].decode()
    assert 't="s"' in sheet and "<v>" in sheet  # the fast paths were taken
