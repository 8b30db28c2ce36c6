"""``adjustment.xlsx``: an adjustment of a closed month as an accountant books it (issue 18).

Sheet *Adjustment*: per currency, each cost center's closed, restated and adjustment amount;
the adjustment is a live formula (restated - closed) and each currency has live totals.
Sheet *Line changes*: every changed statement line per cost center, before, after and the
live difference, with the attribution before and after. Values from the export are text
cells (``kit.write_text``), never formulas.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from chargeback.allocate.restatement import Restatement
from chargeback.report.templates import WorkbookTemplate
from chargeback.report.xlsx.kit import (
    Formats,
    add_sheet,
    cell,
    header_block,
    sum_formula,
    table_header,
    write_text,
)
from chargeback.report.xlsx.workbook import new_workbook

SUMMARY_LABELS = ("Currency", "Cost center", "Closed", "Restated", "Adjustment")
CHANGE_LABELS = (
    "Change",
    "Currency",
    "Cost center",
    "Before",
    "After",
    "Adjustment",
    "Attribution before",
    "Attribution after",
    "Project",
    "Usage type",
    "Line item type",
    "Resource",
)


def write_adjustment_workbook(
    path: Path,
    restatement: Restatement,
    items: list[tuple[str, str]],
    title: str,
    template: WorkbookTemplate,
) -> None:
    """``items``: the header block's label/value lines (period, closed run, adjustment...)."""
    wb = new_workbook(path, title)
    fmt = Formats(wb, template)
    ws = add_sheet(wb, "Adjustment")
    row = header_block(ws, title, items, fmt)
    for currency in restatement.currencies():
        money, bold = fmt.money(currency), fmt.money(currency, bold=True)
        table_header(ws, row, SUMMARY_LABELS, fmt)
        first = row + 1
        row = first
        for c in (c for c in restatement.centers if c.currency == currency):
            write_text(ws, row, 0, currency, fmt.text)
            write_text(ws, row, 1, c.cost_center, fmt.text)
            ws.write_number(row, 2, float(c.closed), money)
            ws.write_number(row, 3, float(c.restated), money)
            formula = f"={cell(row, 3)}-{cell(row, 2)}"
            ws.write_formula(row, 4, formula, money, float(c.adjustment))
            row += 1
        closed, restated = restatement.total(currency)
        write_text(ws, row, 1, f"{template.word('total')} {currency}", fmt.label)
        for col, value in ((2, closed), (3, restated), (4, restated - closed)):
            sum_formula(ws, row, col, first, row - 1, value, bold)
        row += 2
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 28)
    ws.set_column(2, 4, 16)

    changes = add_sheet(wb, "Line changes")
    table_header(changes, 0, CHANGE_LABELS, fmt)
    for row, ch in enumerate(restatement.changes, start=1):
        money = fmt.money(ch.currency)
        for col, text in enumerate((ch.change, ch.currency, ch.cost_center)):
            write_text(changes, row, col, text, fmt.text)
        changes.write_number(row, 3, float(ch.before), money)
        changes.write_number(row, 4, float(ch.after), money)
        delta: Decimal = ch.delta
        changes.write_formula(row, 5, f"={cell(row, 4)}-{cell(row, 3)}", money, float(delta))
        texts = (ch.attribution_before, ch.attribution_after, ch.key[1], ch.key[8])
        for col, text in enumerate((*texts, ch.key[10], ch.key[12]), start=6):
            write_text(changes, row, col, text, fmt.text)
    changes.freeze_panes(1, 0)
    changes.set_column(0, 2, 16)
    changes.set_column(3, 5, 14)
    changes.set_column(6, 11, 30)
    wb.close()
