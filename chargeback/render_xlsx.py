"""The consolidated workbook, written with XlsxWriter.

XlsxWriter stores a formula together with its computed value, so totals are live ``SUM``
formulas in Excel and still show the right number in viewers that do not recalculate
(openpyxl with ``data_only=True``, pandas, file previewers). Every text cell is written with
``write_string``: a tag value such as ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .allocate import Allocation
from .rules import CostCenter
from .safety import sheet_title
from .statements import UNATTRIBUTED, CostCenterTotal, StatementLine

REASONS: dict[str, str] = {
    "default_project": "Default project (requests that named no project)",
    "untagged": "Resource without the cost-center tag",
    "no_resource": "No resource (tax, credits, fees)",
    "invalid_cost_center": "Cost center not in the master list: fix the tag or mapping",
    "inactive_cost_center": "Cost center marked inactive in the master list",
    "allocated_by_policy": "Shared out to cost centers by a policy (see their statements)",
}

LINE_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("Project", "project_id", 22),
    ("Application", "application", 18),
    ("Environment", "environment", 14),
    ("Team", "team", 20),
    ("Owner", "owner", 12),
    ("Usage account", "usage_account_id", 15),
    ("Model", "model", 24),
    ("Usage type", "usage_type", 40),
    ("Usage kind", "usage_kind", 16),
    ("Line item type", "line_item_type", 14),
    ("Usage quantity", "usage_amount", 16),
    ("Unit", "pricing_unit", 12),
    ("Attributed by", "attribution_source", 16),
    ("Value found", "attribution_value", 16),
    ("Description", "description", 36),
    ("Currency", "currency", 9),
    ("Amount", "amount", 16),
)


@dataclass(frozen=True)
class RunHeader:
    """Facts printed at the top of every sheet."""

    period: str
    source: str
    cost_measure: str
    generated_at: str
    version: str
    invoice_ids: tuple[str, ...]


class _Formats:
    def __init__(self, wb: Workbook) -> None:
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.label = wb.add_format({"bold": True})
        self.header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.text = wb.add_format({})
        self.qty = wb.add_format({"num_format": "#,##0.######"})
        self.pct = wb.add_format({"num_format": "0.00"})
        self.count = wb.add_format({"num_format": "#,##0"})
        self._wb = wb
        self._money: dict[tuple[str, bool], Any] = {}

    def money(self, currency: str, bold: bool = False) -> Any:
        key = (currency, bold)
        if key not in self._money:
            code = re.sub(r"[^A-Za-z]", "", currency)[:3].upper() or "USD"
            fmt = f'#,##0.00 "{code}";-#,##0.00 "{code}"'
            self._money[key] = self._wb.add_format({"num_format": fmt, "bold": bold})
        return self._money[key]


def write_workbook(path: Path, allocation: Allocation, header: RunHeader) -> None:
    wb = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    wb.set_properties({"title": f"Amazon Bedrock chargeback {header.period}"})
    fmt = _Formats(wb)
    used: set[str] = set()
    reserved = ("Summary", "Unattributed", "Reconciliation")
    summary = wb.add_worksheet(sheet_title("Summary", used))
    centers = [c for t in allocation.totals for c in t.cost_centers if not c.is_unattributed]
    names: dict[str, str] = {}
    for name in sorted({c.cost_center for c in centers}):
        names[name] = sheet_title(name, used, reserved)
    _summary(summary, allocation, header, fmt)
    for name, title in names.items():
        mine = [c for c in centers if c.cost_center == name]
        _statement(wb.add_worksheet(title), name, mine, header, fmt, allocation.master_entry(name))
    unattributed = [c for t in allocation.totals for c in t.cost_centers if c.is_unattributed]
    _unattributed(wb.add_worksheet(sheet_title("Unattributed", used)), unattributed, header, fmt)
    _reconciliation(wb.add_worksheet(sheet_title("Reconciliation", used)), allocation, header, fmt)
    wb.close()


def _header_block(
    ws: Worksheet, title: str, items: Sequence[tuple[str, str]], fmt: _Formats
) -> int:
    ws.write_string(0, 0, title, fmt.title)
    for i, (label, value) in enumerate(items, start=1):
        ws.write_string(i, 0, label, fmt.label)
        ws.write_string(i, 1, value, fmt.text)
    return len(items) + 2


def _common(header: RunHeader) -> list[tuple[str, str]]:
    return [
        ("Billing period", header.period),
        ("Source export", header.source),
        ("Cost measure", header.cost_measure),
        ("Generated at", header.generated_at),
        ("Tool version", header.version),
    ]


def _table_header(ws: Worksheet, row: int, labels: Sequence[str], fmt: _Formats) -> None:
    for col, label in enumerate(labels):
        ws.write_string(row, col, label, fmt.header)


def _sum(ws: Worksheet, row: int, col: int, first: int, last: int, value: Decimal, f: Any) -> None:
    """A live SUM over rows first..last of col, stored with its value."""
    if last < first:
        ws.write_number(row, col, 0, f)
        return
    rng = f"{xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)}"
    ws.write_formula(row, col, f"=SUM({rng})", f, float(value))


def _page(ws: Worksheet, header_row: int, last_row: int, last_col: int) -> None:
    ws.freeze_panes(header_row + 1, 0)
    if last_row > header_row:
        ws.autofilter(header_row, 0, last_row, last_col)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)


def _summary(ws: Worksheet, allocation: Allocation, header: RunHeader, fmt: _Formats) -> None:
    row = _header_block(ws, "Amazon Bedrock chargeback: summary", _common(header), fmt)
    labels = ["Cost center", "Owner", "Team", "Currency", "Amount", "Share %", "Line items"]
    _table_header(ws, row, labels, fmt)
    head = row
    for totals in allocation.totals:
        first = row + 1
        for cc in totals.cost_centers:
            row += 1
            ws.write_string(row, 0, cc.cost_center, fmt.text)
            ws.write_string(row, 1, "; ".join(cc.owners), fmt.text)
            ws.write_string(row, 2, "; ".join(cc.teams), fmt.text)
            ws.write_string(row, 3, cc.currency, fmt.text)
            ws.write_number(row, 4, float(cc.amount), fmt.money(cc.currency))
            ws.write_number(row, 5, float(cc.share_pct), fmt.pct)
            ws.write_number(row, 6, sum(ln.line_items for ln in cc.lines), fmt.count)
        row += 1
        ws.write_string(row, 0, f"Total {totals.currency}", fmt.label)
        ws.write_string(row, 3, totals.currency, fmt.label)
        _sum(ws, row, 4, first, row - 1, totals.total, fmt.money(totals.currency, bold=True))
        row += 1
    for col, width in enumerate((24, 18, 24, 9, 18, 9, 11)):
        ws.set_column(col, col, width)
    _page(ws, head, row - 1, len(labels) - 1)


def _lines_table(
    ws: Worksheet, row: int, lines: Sequence[StatementLine], currency: str, fmt: _Formats
) -> tuple[int, int, int]:
    """Write lines under a header at ``row``; returns (first, last, amount column)."""
    _table_header(ws, row, [c[0] for c in LINE_COLUMNS], fmt)
    first = row + 1
    amount_col = len(LINE_COLUMNS) - 1
    for line in lines:
        row += 1
        for col, (_label, attr, _w) in enumerate(LINE_COLUMNS):
            value = getattr(line, attr)
            if attr == "amount":
                ws.write_number(row, col, float(value), fmt.money(currency))
            elif attr == "usage_amount":
                ws.write_number(row, col, float(value), fmt.qty)
            else:
                ws.write_string(row, col, str(value), fmt.text)
    for col, (_label, _attr, width) in enumerate(LINE_COLUMNS):
        ws.set_column(col, col, width)
    return first, row, amount_col


def _statement(
    ws: Worksheet,
    name: str,
    centers: Sequence[CostCenterTotal],
    header: RunHeader,
    fmt: _Formats,
    master: CostCenter | None = None,
) -> None:
    currencies = ", ".join(c.currency for c in centers)
    items = [("Cost center", name), ("Currency", currencies), *_common(header)]
    items.append(("Invoice ids", ", ".join(header.invoice_ids)))
    if master is not None:
        items += [("Name", master.name), ("GL account", master.gl_account), ("Owner", master.owner)]
    row = _header_block(ws, f"Amazon Bedrock chargeback statement: {name}", items, fmt)
    head = row
    for cc in centers:
        lines = sorted(cc.lines, key=lambda ln: (ln.project_id, ln.model, ln.usage_type))
        first, last, col = _lines_table(ws, row, lines, cc.currency, fmt)
        row = last + 1
        ws.write_string(row, 0, f"Total {cc.currency}", fmt.label)
        _sum(ws, row, col, first, last, cc.amount, fmt.money(cc.currency, bold=True))
        row += 2
    _page(ws, head, row - 3 if centers else head, len(LINE_COLUMNS) - 1)


def _unattributed(
    ws: Worksheet, centers: Sequence[CostCenterTotal], header: RunHeader, fmt: _Formats
) -> None:
    row = _header_block(ws, "Unattributed Bedrock spend", _common(header), fmt)
    _table_header(ws, row, ["Reason", "Meaning", "Currency", "Amount"], fmt)
    head = row
    for cc in centers:
        first = row + 1
        by_reason: dict[str, Decimal] = {}
        for line in cc.lines:
            by_reason[line.unattributed_reason] = (
                by_reason.get(line.unattributed_reason, Decimal(0)) + line.amount
            )
        for reason in sorted(by_reason):
            row += 1
            ws.write_string(row, 0, reason, fmt.text)
            ws.write_string(row, 1, REASONS.get(reason, reason), fmt.text)
            ws.write_string(row, 2, cc.currency, fmt.text)
            ws.write_number(row, 3, float(by_reason[reason]), fmt.money(cc.currency))
        row += 1
        ws.write_string(row, 0, f"Total {UNATTRIBUTED} {cc.currency}", fmt.label)
        _sum(ws, row, 3, first, row - 1, cc.amount, fmt.money(cc.currency, bold=True))
    row += 2
    ws.write_string(row, 0, "Lines to tag, largest first", fmt.label)
    row += 1
    for cc in centers:
        lines = sorted(cc.lines, key=lambda ln: (-ln.amount, ln.usage_account_id, ln.resource_id))
        first, last, col = _lines_table(ws, row, lines, cc.currency, fmt)
        row = last + 2
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 44)
    ws.freeze_panes(head + 1, 0)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _reconciliation(
    ws: Worksheet, allocation: Allocation, header: RunHeader, fmt: _Formats
) -> None:
    row = _header_block(ws, "Reconciliation with the export", _common(header), fmt)
    labels = ["Line item type", "Currency", "Amount", "Line items"]
    _table_header(ws, row, labels, fmt)
    head = row
    for totals in allocation.totals:
        first = row + 1
        for b in (b for b in allocation.by_type if b.currency == totals.currency):
            row += 1
            ws.write_string(row, 0, b.keys[0], fmt.text)
            ws.write_string(row, 1, b.currency, fmt.text)
            ws.write_number(row, 2, float(b.amount), fmt.money(b.currency))
            ws.write_number(row, 3, int(b.extra.get("line_items", 0)), fmt.count)
        total_row = row + 1
        ws.write_string(total_row, 0, "Export Bedrock total", fmt.label)
        ws.write_string(total_row, 1, totals.currency, fmt.label)
        money = fmt.money(totals.currency, bold=True)
        _sum(ws, total_row, 2, first, row, totals.total, money)
        ws.write_string(total_row + 1, 0, "Attributed (cost center statements)", fmt.text)
        ws.write_number(total_row + 1, 2, float(totals.attributed), fmt.money(totals.currency))
        ws.write_string(total_row + 2, 0, "Unattributed", fmt.text)
        ws.write_number(total_row + 2, 2, float(totals.unattributed), fmt.money(totals.currency))
        ws.write_string(total_row + 3, 0, "Difference", fmt.label)
        diff = totals.total - totals.attributed - totals.unattributed
        t, a, u = (xl_rowcol_to_cell(total_row + i, 2) for i in range(3))
        ws.write_formula(total_row + 3, 2, f"={t}-{a}-{u}", money, float(diff))
        row = total_row + 5
    row += 1
    _table_header(
        ws, row, ["Invoice id", "Billing entity", "Currency", "Amount", "Line items"], fmt
    )
    for b in allocation.by_invoice:
        row += 1
        ws.write_string(row, 0, b.keys[0], fmt.text)
        ws.write_string(row, 1, b.keys[1], fmt.text)
        ws.write_string(row, 2, b.currency, fmt.text)
        ws.write_number(row, 3, float(b.amount), fmt.money(b.currency))
        ws.write_number(row, 4, int(b.extra.get("line_items", 0)), fmt.count)
    row += 2
    _table_header(ws, row, ["Input file", "Rows", "Rows in period", "Bedrock rows"], fmt)
    for f in allocation.files:
        row += 1
        ws.write_string(row, 0, f.uri, fmt.text)
        ws.write_number(row, 1, f.rows, fmt.count)
        ws.write_number(row, 2, f.period_rows, fmt.count)
        ws.write_number(row, 3, f.bedrock_rows, fmt.count)
    ws.set_column(0, 0, 40)
    ws.set_column(1, 4, 20)
    ws.freeze_panes(head + 1, 0)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
