"""Writing sheets with XlsxWriter the one safe way: text as text, totals as live formulas.

XlsxWriter stores a formula together with its computed value, so totals are live formulas in
Excel and still show the right number in viewers that do not recalculate. Every text cell is
a text cell (``write_string``, or rendered as one by ``write_record``): a tag value such as
``=HYPERLINK(...)`` stays text. Also the header block every sheet shows (the run's
``RunHeader``) and the shared wording. The sheets themselves: ``xlsx.sheets``.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xlsxwriter.utility import (
    quote_sheetname,
    xl_col_to_name,
    xl_rowcol_to_cell,
)
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from chargeback.errors import OutputError
from chargeback.report.header import RunHeader
from chargeback.report.safety import clean_text
from chargeback.report.templates import WorkbookTemplate
from chargeback.report.xlsx.sheets import EXCEL_ROWS as EXCEL_ROWS
from chargeback.report.xlsx.sheets import add_sheet as add_sheet
from chargeback.report.xlsx.sheets import xf_index
from chargeback.taxonomy import CATEGORIES

#: Column keys whose values are money (Decimal, in the row's currency).
MONEY = frozenset(
    {
        *CATEGORIES,
        "net",
        "last_month",
        "change",
        "budget",
        "remaining",
        "projected",
        "reference",
        "amount",
        "spend",
        "attributed",
        "unattributed",
        "cache_savings",
    }
)
QUANTITY = frozenset({"usage_amount", "tokens", "cost_per_1m_tokens"})
COUNT = frozenset({"line_items", "rows", "period_rows", "bedrock_rows"})
SHARE = frozenset({"share_pct", "used_pct", "cache_hit_rate_pct"})
FRACTION = frozenset({"coverage"})

Value = str | Decimal | float | int | None


@functools.cache
def _starts(columns: int) -> list[str]:
    """The start of a cell in each of the first ``columns`` columns, up to its row number
    (``<c r="A``, ``<c r="B``...)."""
    return [f'<c r="{xl_col_to_name(col)}' for col in range(columns)]


@dataclass(frozen=True)
class Span:
    """Rows ``first``..``last`` of one sheet: a part of a table that continues over sheets."""

    sheet: str
    first: int
    last: int


class Formats:
    """The workbook's cell formats, number formats from the template."""

    def __init__(self, wb: Workbook, template: WorkbookTemplate) -> None:
        self._wb = wb
        self._template = template
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.label = wb.add_format({"bold": True})
        self.header = wb.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
        )
        self.text = wb.add_format({})
        self._numbers: dict[tuple[str, bool], Any] = {}
        self._columns: dict[tuple[str, str, bool], Any] = {}
        self._xfs: dict[tuple[str, str], int] = {}
        #: ``write_record``'s text cells after their reference, by text (the workbook's
        #: shared string index and the text format; or the text itself, for streamed
        #: sheets): most texts repeat row after row.
        self.text_tails: dict[str, str] = {}
        self.inline_tails: dict[str, str] = {}

    def number(self, key: str, bold: bool = False) -> Any:
        name = {"qty": "quantity"}.get(key, key)
        return self._cached(name, bold, self._template.formats[name])

    def money(self, currency: str, bold: bool = False) -> Any:
        # ISO 4217 letters only (the code is data); XXX is ISO's "no currency"
        code = re.sub(r"[^A-Za-z]", "", currency)[:3].upper() or "XXX"
        return self._cached(f"money:{code}", bold, self._template.money_format(code))

    def for_column(self, column: str, currency: str, bold: bool = False) -> Any:
        """The format of a number in ``column`` (asked for every numeric cell, so cached)."""
        key = (column, currency, bold)
        if key not in self._columns:
            self._columns[key] = self._for_column(column, currency, bold)
        return self._columns[key]

    def xf_for(self, column: str, currency: str) -> int:
        """The cell format index of a number in ``column`` (for rendered cells)."""
        key = (column, currency)
        xf = self._xfs.get(key)
        if xf is None:
            xf = self._xfs[key] = xf_index(self.for_column(column, currency))
        return xf

    def _for_column(self, column: str, currency: str, bold: bool) -> Any:
        if column in MONEY:
            return self.money(currency, bold)
        if column in QUANTITY:
            return self.number("quantity", bold)
        if column in COUNT:
            return self.number("count", bold)
        if column in SHARE:
            return self.number("share", bold)
        if column in FRACTION:
            return self.number("coverage", bold)
        return self.label if bold else self.text

    def _cached(self, key: str, bold: bool, num_format: str) -> Any:
        if (key, bold) not in self._numbers:
            self._numbers[(key, bold)] = self._wb.add_format(
                {"num_format": num_format, "bold": bold}
            )
        return self._numbers[(key, bold)]


def write_text(ws: Worksheet, row: int, col: int, value: str, f: Any) -> None:
    """Text as a text cell, never a formula; control characters shown as ``\\xNN``."""
    ws.write_string(row, col, clean_text(value), f)


def cell(row: int, col: int) -> str:
    return str(xl_rowcol_to_cell(row, col))


def header_block(
    ws: Worksheet, title: str, items: Sequence[tuple[str, str]], fmt: Formats, row: int = 0
) -> int:
    """A title and label/value lines; returns the first free row after a blank one."""
    write_text(ws, row, 0, title, fmt.title)
    for i, (label, value) in enumerate(items, start=row + 1):
        write_text(ws, i, 0, label, fmt.label)
        write_text(ws, i, 1, value, fmt.text)
    return row + len(items) + 2


def table_header(ws: Worksheet, row: int, labels: Sequence[str], fmt: Formats) -> None:
    for col, label in enumerate(labels):
        write_text(ws, row, col, label, fmt.header)


def write_record(
    ws: Worksheet,
    row: int,
    columns: Sequence[str],
    record: Mapping[str, Value],
    currency: str,
    fmt: Formats,
) -> None:
    """One table row: numbers as numbers in their format, everything else as text.

    The hot path of every statement (a cell per column per line): the row's cells are
    rendered to their XML here, once, and stored as one entry of the sheet
    (``sheets.CheckedWorksheet.put_row``), instead of a cell object per column that XlsxWriter
    checks, stores and renders again when the sheet is assembled. The bytes are those
    XlsxWriter writes for ``write_string`` and ``write_number`` (tests/unit/test_fast_cells.py);
    a refused cell (text too long, past Excel's last row) raises as in
    ``sheets.CheckedWorksheet``."""
    number = str(row + 1)
    starts = _starts(len(columns))
    # a text cell's XML after its reference, by the text (shared strings: one per workbook)
    streamed = ws.streamed
    tails = fmt.inline_tails if streamed else fmt.text_tails
    cols: list[int] = []
    cells: list[str] = []
    reused = 0  # shared strings used again: XlsxWriter counts every use
    for col, key in enumerate(columns):
        value = record.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            if not value:
                continue  # a blank cell, not an empty string
            tail = tails.get(value)
            if tail is None:
                text = clean_text(value)
                tail = ws.text_tail(text, xf_index(fmt.text), row)
                if len(text) < 256:  # long texts (descriptions, hostile tags) are not kept
                    tails[value] = tail
            elif not streamed:
                reused += 1
            cells.append(starts[col] + number + tail)
        else:
            amount = float(value)
            if not math.isfinite(amount):
                raise OutputError(
                    f"cannot write {amount} in row {row + 1:,} of sheet {ws.name!r} in"
                    f" {ws.book} (column {key}): nothing was published"
                )
            xf = fmt.xf_for(key, currency)
            cells.append(f'{starts[col]}{number}" s="{xf}"><v>{amount:.16G}</v></c>')
        cols.append(col)
    if reused:
        ws.reuse_shared(reused)
    if cells:
        ws.put_row(row, cols, cells)


def sum_formula(
    ws: Worksheet,
    row: int,
    col: int,
    first: int,
    last: int,
    value: Decimal | int | float,
    f: Any,
    function: str = "SUM",
) -> None:
    """A live SUM (or SUBTOTAL) over rows first..last of col, stored with its value."""
    if last < first:
        ws.write_number(row, col, 0, f)
        return
    rng = f"{cell(first, col)}:{cell(last, col)}"
    text = f"=SUBTOTAL(9,{rng})" if function == "SUBTOTAL" else f"=SUM({rng})"
    ws.write_formula(row, col, text, f, float(value))


def spans_formula(
    ws: Worksheet,
    row: int,
    col: int,
    spans: Sequence[Span],
    value: Decimal | int | float,
    f: Any,
    function: str = "SUM",
) -> None:
    """A live SUM (or SUBTOTAL) over ``col`` of every span, on this sheet or others."""
    if len(spans) == 1 and spans[0].sheet == ws.name:
        sum_formula(ws, row, col, spans[0].first, spans[0].last, value, f, function)
        return
    if not spans:
        ws.write_number(row, col, 0, f)
        return
    refs = ",".join(
        ("" if s.sheet == ws.name else f"{quote_sheetname(s.sheet)}!")
        + f"{cell(s.first, col)}:{cell(s.last, col)}"
        for s in spans
    )
    text = f"=SUBTOTAL(9,{refs})" if function == "SUBTOTAL" else f"=SUM({refs})"
    ws.write_formula(row, col, text, f, float(value))


def total_row(
    ws: Worksheet,
    row: int,
    columns: Sequence[str],
    label: str,
    first: int,
    last: int,
    sums: Mapping[str, Decimal | int],
    currency: str,
    fmt: Formats,
    function: str = "SUM",
    spans: Sequence[Span] | None = None,
) -> None:
    """``label`` in the first text column, a live total under each column in ``sums`` over
    rows ``first``..``last`` (or over ``spans``, for a table that continues over sheets)."""
    label_col = next((i for i, c in enumerate(columns) if c not in sums), 0)
    write_text(ws, row, label_col, label, fmt.label)
    over = [Span(ws.name, first, last)] if spans is None else spans
    for col, key in enumerate(columns):
        if key in sums:
            f = fmt.for_column(key, currency, bold=True)
            spans_formula(ws, row, col, over, sums[key], f, function)


def set_widths(ws: Worksheet, columns: Sequence[str], template: WorkbookTemplate) -> None:
    for col, key in enumerate(columns):
        ws.set_column(col, col, template.width(key))


def page_setup(
    ws: Worksheet, header_row: int, last_row: int, last_col: int, footer: str = ""
) -> None:
    """Frozen header, autofilter, landscape, one page wide, header row on every page."""
    ws.freeze_panes(header_row + 1, 0)
    if last_row > header_row:
        ws.autofilter(header_row, 0, last_row, last_col)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    text = footer[:200].replace("&", "&&")  # Excel allows 255 characters with the codes
    ws.set_footer(f"&L{text}&RPage &P of &N")


def common_items(header: RunHeader, template: WorkbookTemplate) -> list[tuple[str, str]]:
    w = template.word
    items = [
        (w("billing_period"), header.period),
        *(  # issue 18: a provisional month says so at the top of every sheet
            [(w("status"), "PROVISIONAL: " + "; ".join(header.status_reasons))]
            if header.status != "final"
            else []
        ),
        (w("source_export"), header.source),
        (w("cost_measure"), header.cost_measure),
        (w("generated_at"), header.generated_at),
        (w("tool_version"), header.version),
    ]
    if header.run_id:
        items.append((w("run_reference"), header.run_id))
    return items


def total_label(template: WorkbookTemplate, *parts: str) -> str:
    return " ".join((template.word("total"), *parts))


def footer_text(template: WorkbookTemplate, header: RunHeader) -> str:
    return f"{template.company} {header.period}".strip()
