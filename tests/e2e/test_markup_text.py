"""Text that looks like spreadsheet markup stays the text it is, in every workbook.

XlsxWriter writes a string that starts with ``<r>`` and ends with ``</r>`` as raw XML (it takes
it for a rich string): in the shared strings such a tag value adds strings of its own and
shifts every later cell's text, so another cost center's name would read as the attacker's
word; in a streamed sheet it could become a formula. The tool writes it as escaped text
(``sheets._SharedStrings``, ``sheets.CheckedWorksheet``). The cost centers and amounts each workbook
shows are checked against the rows the test wrote."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl

from tests.support.builders import PROJECT, cur2_row, write
from tests.support.runs import RunFn, summary_amounts

SHIFT = "<r><t>a</t></r></si><si><t>INJECTED</t></si><si><r><t>b</t></r>"
FORMULA = '<r></r></is><f>HYPERLINK("http://e.invalid","x")</f><is><r></r>'
CENTERS = {"CC-1001": 12.5, SHIFT: 3.25, "CC-2002": 7.0, FORMULA: 1.5, "CC-3003": 2.75}


def test_markup_in_tags_stays_text_in_every_workbook(tmp_path: Path, run_on: RunFn) -> None:
    rows = [
        cur2_row(
            cost=cost,
            line_item_resource_id=PROJECT + f"proj{i}",
            resource_tags={"user_cost_center": cc, "user_application": SHIFT},
        )
        for i, (cc, cost) in enumerate(CENTERS.items())
    ]
    write(tmp_path / "e" / "a.parquet", rows)
    result = run_on(tmp_path / "e")
    amounts = summary_amounts(result)
    assert {cc: Decimal(a) for cc, a in amounts.items()} == {
        cc: Decimal(str(cost)) for cc, cost in CENTERS.items()
    }
    month = Path(result.output_dir)
    books = [month / Path(str(result.outputs["workbook"])).name, *month.glob("statements/*.xlsx")]
    assert len(books) == 1 + len(CENTERS)
    for book in books:
        cells = [
            cell
            for ws in openpyxl.load_workbook(book).worksheets
            for row in ws.iter_rows()
            for cell in row
            if isinstance(cell.value, str)
        ]
        texts = [c.value for c in cells if c.data_type != "f"]
        formulas = [c.value for c in cells if c.data_type == "f"]
        assert "INJECTED" not in texts, book.name
        assert not any("HYPERLINK" in f for f in formulas), book.name
        assert SHIFT in texts, book.name  # the application tag, as typed
    summary = openpyxl.load_workbook(books[0])["Summary"]
    shown = {c.value for row in summary.iter_rows() for c in row if isinstance(c.value, str)}
    assert set(CENTERS) <= shown  # every cost center under its own name, none shifted
