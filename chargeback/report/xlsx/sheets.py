"""XlsxWriter's worksheet and workbook as this tool uses them: no write refused in silence,
rows rendered once, sheets streamed on demand, text never taken for markup.

- ``CheckedWorksheet``: every refused write (a cell past Excel's limits, text past 32,767
  characters) raises ``OutputError`` instead of dropping or cutting it; a table row that
  ``kit.write_record`` rendered to XML is stored as one entry (``put_row``) and written by
  XlsxWriter's row loop; its cell writers write the same bytes as XlsxWriter's, faster.
- ``add_sheet``: every sheet is added here, held in memory or streamed to a temporary file.
- ``SafeWorkbook``: shared strings always written as escaped text (XlsxWriter writes a text
  that looks like a rich string as raw XML).

XlsxWriter's internals are used here and only here (pinned to 3.3.x in pyproject.toml).
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, xl_rowcol_to_cell_fast
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import CellNumberTuple, CellStringTuple, Worksheet
from xlsxwriter.xmlwriter import XMLwriter

from chargeback.errors import OutputError

#: Rows an Excel sheet holds (XlsxWriter's limit too): a longer statement continues on the
#: next sheets (``xlsx.pages``).
EXCEL_ROWS = 1_048_576

#: The Worksheet methods that report a refused write (a cell past Excel's last row or column,
#: text past 32,767 characters) only by returning -1 or -2, the cell dropped or the text cut.
CHECKED_METHODS = (
    "write",
    "write_string",
    "write_number",
    "write_blank",
    "write_formula",
    "write_array_formula",
    "write_dynamic_array_formula",
    "write_datetime",
    "write_boolean",
    "write_url",
    "write_rich_string",
    "write_row",
    "write_column",
    "write_comment",
    "merge_range",
    "set_column",
    "set_column_pixels",
    "set_row",
    "set_row_pixels",
    "autofilter",
    "data_validation",
    "conditional_format",
    "add_table",
    "add_sparkline",
    "insert_image",
    "insert_textbox",
    "insert_chart",
    "insert_button",
    "filter_column",
    "filter_column_list",
    "embed_image",
    "insert_checkbox",
    "ignore_errors",
    "print_area",
    "unprotect_range",
)


_NUMBER_CELL, _STRING_CELL = CellNumberTuple, CellStringTuple
_cell_name = xl_rowcol_to_cell_fast

#: Excel's longest text cell, in UTF-16 units (XlsxWriter cuts longer text: refused here).
EXCEL_TEXT = 32_767


class _Rendered:
    """A table row whose cells' XML ``write_record`` made when the row was written (``cols``
    and ``parts``, in column order), kept as the cell of the row's first column (its last
    column holds an ``_End``): XlsxWriter's row loop writes the ``<row>`` element around it
    and computes its span from those two columns."""

    __slots__ = ("cols", "parts")

    def __init__(self, cols: list[int], parts: list[str]) -> None:
        self.cols, self.parts = cols, parts


class _End:
    """The last column of a ``_Rendered`` row: writes nothing."""

    __slots__ = ()


class _Piece:
    """One rendered cell, for a rendered row another cell was also written into."""

    __slots__ = ("xml",)

    def __init__(self, xml: str) -> None:
        self.xml = xml


_END = _End()


class CheckedWorksheet(Worksheet):  # type: ignore[misc]  # xlsxwriter is untyped
    """A worksheet on which every refused write raises ``OutputError``: nothing is ever
    dropped or cut silently, so no truncated workbook is published."""

    #: The workbook's file name, for messages.
    book = ""

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        """XlsxWriter's innermost loop, run for every cell when the sheet is assembled: the
        rows ``write_record`` rendered, and the two cells a statement is made of (shared
        text and a number, each with its format) written directly, the same bytes
        ``Worksheet._write_cell`` writes (a cell reference and a format index need no XML
        escaping); every other cell as XlsxWriter does."""
        kind = type(cell)
        if kind is _Rendered:
            self.fh.write("".join(cell.parts))
        elif kind is _End:
            pass
        elif kind is _Piece:
            self.fh.write(cell.xml)
        elif kind is _NUMBER_CELL and cell.format is not None:
            self.fh.write(
                f'<c r="{_cell_name(row, col)}" s="{cell.format._get_xf_index()}">'
                f"<v>{cell.number:.16G}</v></c>"
            )
        elif kind is _STRING_CELL and cell.format is not None and not self.constant_memory:
            self.fh.write(
                f'<c r="{_cell_name(row, col)}" s="{cell.format._get_xf_index()}" t="s">'
                f"<v>{cell.string}</v></c>"
            )
        else:
            super()._write_cell(row, col, cell)

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> Any:
        """The tool's totals (``=SUM(...)``, ``=SUBTOTAL(9,...)`` over cell ranges) as they are:
        XlsxWriter tries some 30 patterns on every formula to prefix Excel's newer functions,
        which these never call (1,028 totals of a 15,291-line month: ~10% of its consolidated
        workbook); the same text results (tests/unit/test_fast_cells.py). Any other formula
        goes through XlsxWriter."""
        if formula.startswith(_TOTALS) and not self.use_future_functions:
            return formula[1:]
        return super()._prepare_formula(formula, expand_future_functions)

    def _xml_rich_inline_string(self, string: str, attributes: Any = ()) -> None:
        """XlsxWriter writes text that starts with ``<r>`` and ends with ``</r>`` into a
        streamed sheet as raw XML (it takes it for a rich string made by
        ``write_rich_string``, which this tool never calls): a tag value could then inject
        a formula. Written as the plain, escaped text it is."""
        self._xml_inline_string(string, _preserve_whitespace(string), list(attributes))

    @property
    def streamed(self) -> bool:
        """Rows go to a temporary file as they are written (``add_sheet(stream=True)``)."""
        return bool(self.constant_memory)

    def reuse_shared(self, uses: int) -> None:
        """Count ``uses`` more uses of shared strings ``text_tail`` gave (XlsxWriter counts
        every use in the table's header)."""
        self.str_table.count += uses

    def text_tail(self, text: str, xf: int, row: int) -> str:
        """The XML of a text cell in format ``xf`` after its reference (``<c r="A1``): an
        index into the shared strings (one more use of it), or the escaped text itself in a
        streamed sheet; what XlsxWriter writes for ``write_string``."""
        if len(text) > EXCEL_TEXT // 2 and _utf16_len(text) > EXCEL_TEXT:
            raise _refusal(self, "write_string", (row,), -2)
        if not self.constant_memory:
            index = self.str_table._get_shared_string_index(text)
            return f'" s="{xf}" t="s"><v>{index}</v></c>'
        text = XMLwriter._escape_control_characters(text)
        space = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
        return f'" s="{xf}" t="inlineStr"><is><t{space}>{_ESCAPE_DATA(self, text)}</t></is></c>'

    def put_row(self, row: int, cols: list[int], parts: list[str]) -> None:
        """Store row ``row``'s rendered cells (``parts``, in the columns ``cols``, in order)
        as one entry: the dimensions and refusals of XlsxWriter's writers, once per row."""
        if self._check_dimensions(row, cols[0]) or self._check_dimensions(row, cols[-1]):
            raise _refusal(self, "write_record", (row, cols[0]), -1)
        if self.constant_memory and row > self.previous_row:
            self._write_single_row(row)  # what XlsxWriter's writers do before storing
        cells = self.table.get(row)
        if cells:  # the row already holds cells: each rendered cell on its own
            self._unfold(row)
            cells.update(zip(cols, map(_Piece, parts), strict=True))
            return
        self.table[row] = (
            {cols[0]: _Rendered(cols, parts), cols[-1]: _END}
            if len(cols) > 1
            else {cols[0]: _Rendered(cols, parts)}
        )

    def _unfold(self, row: int) -> None:
        """A rendered row as one cell per column, before another cell is written into it
        (the last write to a cell wins, as in XlsxWriter)."""
        cells = self.table.get(row)
        if cells:
            rendered = next(iter(cells.values()))
            if type(rendered) is _Rendered:
                del cells[rendered.cols[0]]
                cells.pop(rendered.cols[-1], None)
                cells.update(zip(rendered.cols, map(_Piece, rendered.parts), strict=True))

    def _get_range_data(self, row_start: int, col_start: int, row_end: int, col_end: int) -> Any:
        """The cells a chart shows, cached in the chart (XlsxWriter reads its cell objects):
        a rendered cell gives its value back from its XML."""
        if self.constant_memory:
            return ()
        data: list[Any] = []
        for row in range(row_start, row_end + 1):
            if row not in self.table:
                data.append(None)
                continue
            self._unfold(row)
            for col in range(col_start, col_end + 1):
                cell = self.table[row].get(col)
                if type(cell) is _Piece:
                    value = cell.xml[cell.xml.rindex("<v>") + 3 : cell.xml.rindex("</v>")]
                    is_text = ' t="s">' in cell.xml
                    data.append(
                        self.str_table._get_shared_string(int(value))
                        if is_text
                        else f"{float(value):.16g}"
                    )
                else:
                    data.extend(super()._get_range_data(row, col, row, col))
        return data

    def _write_rows(self) -> None:
        """XlsxWriter's ``<sheetData>`` rows, visiting only the rows that hold something and
        each row's own cells (XlsxWriter tries every row and column between the sheet's
        first and last); the same bytes. Sheets with comments or a changed default row
        height are left to XlsxWriter."""
        if self.comments or self.default_row_height != self.original_row_height:
            super()._write_rows()
            return
        self._calculate_spans()
        write, table, info, spans = self.fh.write, self.table, self.row_info, self.row_spans
        low, high = self.dim_rowmin, self.dim_rowmax
        rows = {*(r for r, cells in table.items() if cells), *info}
        for row in sorted(r for r in rows if low <= r <= high):
            span = spans.get(row // 16)
            cells = table.get(row)
            if not cells:
                self._write_empty_row(row, span, info[row])
                continue
            if row in info:
                self._write_row(row, span, info[row])
            elif span:
                write(f'<row r="{row + 1}" spans="{span}">')
            else:
                write(f'<row r="{row + 1}">')
            write_cell = self._write_cell
            for col in sorted(cells):
                write_cell(row, col, cells[col])
            write("</row>")

    def _calculate_spans(self) -> None:
        """XlsxWriter's ``<row spans>`` (the first and last column used in each block of 16
        rows), from each row's cells rather than by trying every column of the sheet."""
        if self.comments:
            super()._calculate_spans()
            return
        spans: dict[int, str] = {}
        table = self.table
        for block in range(self.dim_rowmin // 16, self.dim_rowmax // 16 + 1):
            low = high = None
            for row in range(
                max(block * 16, self.dim_rowmin), min(block * 16 + 16, self.dim_rowmax + 1)
            ):
                cells = table.get(row)
                if cells:
                    a, b = min(cells), max(cells)
                    low = a if low is None or a < low else low
                    high = b if high is None or b > high else high
            if low is not None and high is not None:
                spans[block] = f"{low + 1}:{high + 1}"
        self.row_spans = spans


_ESCAPE_DATA = XMLwriter._escape_data

#: The formulas ``kit`` writes: totals over ranges, no newer Excel function in them.
_TOTALS = ("=SUM(", "=SUBTOTAL(9,")


def _unfolding(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def write(self: CheckedWorksheet, row: int, col: int, *args: Any, **kwargs: Any) -> Any:
        self._unfold(row)
        return method(self, row, col, *args, **kwargs)

    return write


#: XlsxWriter's undecorated cell writers, which every public writer ends in: a cell written
#: into a row ``write_record`` rendered unfolds that row first.
for _name in (
    "_write_string",
    "_write_number",
    "_write_blank",
    "_write_formula",
    "_write_array_formula",
    "_write_datetime",
    "_write_boolean",
    "_write_url",
    "_write_rich_string",
):
    setattr(CheckedWorksheet, _name, _unfolding(getattr(Worksheet, _name)))


def _checked(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: CheckedWorksheet, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        if isinstance(result, int) and not isinstance(result, bool) and result < 0:
            raise _refusal(self, method.__name__, args, result)
        return result

    return call


def _refusal(ws: Any, method: str, args: Sequence[Any], result: int) -> OutputError:
    where = f"row {args[0] + 1:,}" if args and isinstance(args[0], int) else "a cell"
    why = (
        "text longer than Excel's 32,767 characters"
        if result == -2
        else f"past Excel's limits ({EXCEL_ROWS:,} rows, 16,384 columns)"
    )
    return OutputError(
        f"cannot write {where} of sheet {ws.name!r} in {getattr(ws, 'book', '')} ({method}:"
        f" {why}); nothing was published"
    )


for _name in CHECKED_METHODS:
    setattr(CheckedWorksheet, _name, _checked(getattr(Worksheet, _name)))


class _SharedStrings(SharedStrings):  # type: ignore[misc]  # xlsxwriter is untyped
    """The workbook's shared strings, each written as the escaped text it is.

    XlsxWriter writes a string that starts with ``<r>`` and ends with ``</r>`` as raw XML (it
    takes it for a rich string; this tool writes none): a tag value such as
    ``<r><t>a</t></r></si><si><t>X</t></si><si><r><t>b</t></r>`` would add strings to the
    table and shift every later cell's text (another cost center's name shown as ``X``).
    Plain text (most of it) is written directly, the same bytes XlsxWriter writes."""

    def _write_si(self, string: str) -> None:
        if _PLAIN_SI.search(string) is None:
            self.fh.write(f"<si><t>{string}</t></si>")
            return
        string = self._escape_control_characters(string)
        space = [("xml:space", "preserve")] if _preserve_whitespace(string) else []
        self._xml_si_element(string, space)


#: What makes a shared string need more than ``<si><t>text</t></si>``: a control character
#: or a literal ``_xHHHH_`` (escaped), ``&<>`` (XML), leading or trailing space (preserved).
_PLAIN_SI = re.compile(r"[\x00-\x08\x0b-\x1f&<>]|_x[0-9a-fA-F]{4}_|^\s|\s$")


class _Packager(Packager):  # type: ignore[misc]  # xlsxwriter is untyped
    def _write_shared_strings_file(self) -> None:
        """``Packager._write_shared_strings_file``, with ``_SharedStrings``."""
        if not self.workbook.str_table.count:
            return
        sst = _SharedStrings()
        sst.string_table = self.workbook.str_table
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()


class SafeWorkbook(Workbook):  # type: ignore[misc]  # xlsxwriter is untyped
    """Every workbook the tool writes: XlsxWriter's, with its shared strings always written
    as text (``_SharedStrings``)."""

    def _get_packager(self) -> Packager:
        return _Packager()


def xf_index(cell_format: Any) -> int:
    """A format's index in the workbook's styles (given when first asked: the format must
    not change after)."""
    return int(cell_format._get_xf_index())


def add_sheet(wb: Workbook, name: str, stream: bool = False) -> Worksheet:
    """A new sheet of ``wb``: every sheet is added here, as a ``CheckedWorksheet``.

    ``stream``: the sheet's rows go to a temporary file as they are written instead of being
    held until the workbook is closed (XlsxWriter's ``constant_memory`` mode, for this sheet
    alone; text is stored in the cell, not in the shared strings). Its rows must be written
    in order: XlsxWriter refuses a cell above the last row written (the writer returns -1),
    and ``CheckedWorksheet`` and ``write_record`` turn that refusal into an ``OutputError``,
    so a cell can never be lost without a word."""
    ws = wb.add_worksheet(name, worksheet_class=CheckedWorksheet)
    ws.book = Path(str(wb.filename)).name
    if stream:
        # the rows' temporary files go in a folder that is removed with the workbook object,
        # so a write that fails half way leaves nothing behind in the temporary directory
        rows = getattr(wb, "chargeback_rows", None)
        if rows is None:
            rows = tempfile.TemporaryDirectory(
                prefix="chargeback-rows-", ignore_cleanup_errors=True
            )
            wb.chargeback_rows = rows
        ws.tmpdir = rows.name
        _stream_rows(ws)
    return ws


def _stream_rows(ws: Worksheet) -> None:
    """What XlsxWriter's ``Worksheet._initialize`` does for a ``constant_memory`` workbook,
    for one sheet (before any cell is written): the packager then copies the rows from the
    file into the sheet's XML (``Packager._write_worksheet_files`` checks each sheet's
    ``constant_memory``) and deletes it."""
    fd, filename = tempfile.mkstemp(dir=ws.tmpdir)
    os.close(fd)
    ws.constant_memory = True
    ws.row_data_filename = filename
    ws.row_data_fh = open(filename, mode="w+", encoding="utf-8")  # noqa: SIM115 - XlsxWriter closes it
    ws.row_data_fh_closed = False
    ws.fh = ws.row_data_fh
