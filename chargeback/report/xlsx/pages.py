"""A table longer than a sheet goes on over the next sheets, never cut.

An Excel sheet holds 1,048,576 rows (``sheets.EXCEL_ROWS``). ``Pages`` hands out the rows of one
table: when a sheet is full it writes "Continued on sheet X" in the sheet's last row, adds
sheet X right after it (named after the first, made unique as any sheet name: ``CC-1 (2)``),
lets ``start`` write the header block and the table header there again, and goes on. A total
over rows that span sheets is a SUM or SUBTOTAL over one range per sheet (``spans``), so the
Total on the last sheet covers every line.

Every row is handed out in order, and a sheet is left for good once full, so its rows can be
streamed (``stream``: ``sheets.add_sheet``) as long as the caller writes each row before
asking for the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from chargeback.report.safety import sheet_title
from chargeback.report.xlsx.kit import Span, add_sheet, write_text

#: Writes a sheet's header block and table header (on a continuation sheet: saying which
#: sheet it continues); returns the row of the table header.
Start = Callable[[Worksheet, str | None], int]


class Pages:
    """The rows of one table, over as many sheets as it needs."""

    def __init__(
        self,
        wb: Workbook,
        title: str,
        used: set[str],
        start: Start,
        max_rows: int,
        note: Callable[[str], str],
        note_format: Any,
        stream: bool = False,
    ) -> None:
        self._wb, self._title, self._used = wb, title, used
        self._stream = stream  # every sheet's rows streamed (``sheets.add_sheet``)
        self._start, self._max = start, max_rows
        self._note, self._note_format = note, note_format
        #: Each sheet with its table header's row and the last row of the table on it.
        self.sheets: list[tuple[Worksheet, int, int]] = []
        self._open(title, None)

    @property
    def ws(self) -> Worksheet:
        """The sheet the last row handed out is on."""
        return self.sheets[-1][0]

    @property
    def row(self) -> int:
        return self.sheets[-1][2]

    def next_row(self) -> int:
        """The next row of the table, on a new sheet when this one is full (its last row
        holds the note saying where the table goes on)."""
        if self.row + 1 >= self._max - 1:
            name = sheet_title(self._title, self._used)
            write_text(self.ws, self._max - 1, 0, self._note(name), self._note_format)
            self._open(name, self.ws.name)
        ws, head, last = self.sheets[-1]
        self.sheets[-1] = (ws, head, last + 1)
        return last + 1

    def mark(self) -> tuple[int, int]:
        """Where the next row goes (sheet, row), to ask later for the ``spans`` since."""
        return len(self.sheets) - 1, self.row + 1

    def spans(self, mark: tuple[int, int]) -> list[Span]:
        """The rows handed out since ``mark``: one span per sheet they are on."""
        sheet, first = mark
        out = []
        for i, (ws, head, last) in enumerate(self.sheets[sheet:], start=sheet):
            low = first if i == sheet else head + 1
            if last >= low:
                out.append(Span(ws.name, low, last))
        return out

    def _open(self, name: str, continues: str | None) -> None:
        ws = add_sheet(self._wb, name, stream=self._stream)
        self._used.add(name)
        head = self._start(ws, continues)
        if head + 2 >= self._max - 1:
            raise ValueError(f"{self._max} rows a sheet leave no room for a table")
        self.sheets.append((ws, head, head))
