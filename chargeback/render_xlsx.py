"""The consolidated workbook and the one-statement workbooks sent to each cost center.

Sheets: Summary, one statement per cost center, Unattributed, Reconciliation, Tag coverage.
Wording, column order, widths and number formats come from ``report_templates/workbook.toml``.
Totals are live formulas stored with their values (see ``xlsx_kit``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .allocate import Allocation
from .previous import PreviousRun
from .safety import sheet_title
from .statements import UNATTRIBUTED, CostCenterTotal
from .templates import WorkbookTemplate
from .views import (
    CATEGORIES,
    Coverage,
    by_reason,
    coverage,
    invoice_ids,
    statement_groups,
    summary_rows,
    worklist,
)
from .xlsx_kit import (
    MONEY,
    Formats,
    Value,
    cell,
    header_block,
    page_setup,
    set_widths,
    sum_formula,
    table_header,
    total_row,
    write_record,
    write_text,
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
    run_id: str = ""


def new_workbook(path: Path, title: str) -> Workbook:
    wb = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    wb.set_properties({"title": title})
    return wb


def write_workbook(
    path: Path,
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
    previous: PreviousRun | None = None,
) -> None:
    """``chargeback-YYYY-MM.xlsx``: everything an accountant checks and books."""
    wb = new_workbook(path, f"Amazon Bedrock chargeback {header.period}")
    fmt = Formats(wb, template)
    sheets = template.sheets
    used: set[str] = set(sheets.values())
    summary = wb.add_worksheet(sheets["summary"])
    _summary(summary, allocation, header, template, fmt, previous)
    for name, centers in cost_centers(allocation).items():
        ws = wb.add_worksheet(sheet_title(name, used))
        _statement(ws, name, centers, allocation, header, template, fmt)
    _unattributed(wb.add_worksheet(sheets["unattributed"]), allocation, header, template, fmt)
    _reconciliation(wb.add_worksheet(sheets["reconciliation"]), allocation, header, template, fmt)
    _coverage(wb.add_worksheet(sheets["coverage"]), allocation, header, template, fmt)
    wb.close()


def write_statement_workbook(
    path: Path,
    name: str,
    centers: Sequence[CostCenterTotal],
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
) -> None:
    """One cost center's statement alone, to send to its owner."""
    wb = new_workbook(path, f"Amazon Bedrock chargeback {header.period}: {name}")
    fmt = Formats(wb, template)
    ws = wb.add_worksheet(sheet_title(name, set()))
    _statement(ws, name, centers, allocation, header, template, fmt)
    wb.close()


def cost_centers(allocation: Allocation) -> dict[str, list[CostCenterTotal]]:
    """Each attributed cost center's totals (one per currency), by name, sorted."""
    result: dict[str, list[CostCenterTotal]] = {}
    centers = [c for t in allocation.totals for c in t.cost_centers if not c.is_unattributed]
    for cc in sorted(centers, key=lambda c: (c.cost_center, c.currency)):
        result.setdefault(cc.cost_center, []).append(cc)
    return result


def _common(header: RunHeader, template: WorkbookTemplate) -> list[tuple[str, str]]:
    w = template.word
    items = [
        (w("billing_period"), header.period),
        (w("source_export"), header.source),
        (w("cost_measure"), header.cost_measure),
        (w("generated_at"), header.generated_at),
        (w("tool_version"), header.version),
    ]
    if header.run_id:
        items.append((w("run_reference"), header.run_id))
    return items


def _total(template: WorkbookTemplate, *parts: str) -> str:
    return " ".join((template.word("total"), *parts))


def _footer(template: WorkbookTemplate, header: RunHeader) -> str:
    return f"{template.company} {header.period}".strip()


def _summary(
    ws: Worksheet,
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
    fmt: Formats,
    previous: PreviousRun | None,
) -> None:
    items = _common(header, template)
    items.append((template.word("invoice_ids"), ", ".join(header.invoice_ids)))
    if previous is not None:
        items.append((template.word("last_month_from"), previous.uri))
    title = template.title("summary", period=header.period, cost_center="")
    row = header_block(ws, title, items, fmt)
    columns = [
        c
        for c in template.columns["summary"]
        if (previous is not None or c not in ("last_month", "change"))
        and (allocation.master or c not in ("cost_center_name", "gl_account"))
    ]
    table_header(ws, row, [template.label(c) for c in columns], fmt)
    head = row
    for totals in allocation.totals:
        rows = summary_rows(totals.cost_centers, None if previous is None else previous.amounts)
        first = row + 1
        sums: dict[str, Decimal | int] = {}
        for r in rows:
            row += 1
            entry = allocation.master_entry(r.cost_center)
            record: dict[str, Value] = {
                "cost_center": r.cost_center,
                "cost_center_name": entry.name if entry else "",
                "gl_account": entry.gl_account if entry else "",
                "owner": entry.owner if entry and entry.owner else r.owner,
                "team": r.team,
                "currency": r.currency,
                **r.categories,
                "net": r.net,
                "share_pct": r.share_pct,
                "last_month": r.last_month,
                "change": r.change,
                "line_items": r.line_items,
            }
            write_record(ws, row, columns, record, totals.currency, fmt)
            for key in columns:
                value = record[key]
                summed = (*CATEGORIES, "net", "share_pct", "last_month", "change", "line_items")
                if key in summed and isinstance(value, Decimal | int):
                    sums[key] = sums.get(key, Decimal(0)) + value
        row += 1
        total_row(
            ws,
            row,
            columns,
            _total(template, totals.currency),
            first,
            row - 1,
            sums,
            totals.currency,
            fmt,
        )
        if "currency" in columns:
            write_text(ws, row, columns.index("currency"), totals.currency, fmt.label)
    set_widths(ws, columns, template)
    page_setup(ws, head, row - 1, len(columns) - 1, _footer(template, header))


def _statement(
    ws: Worksheet,
    name: str,
    centers: Sequence[CostCenterTotal],
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
    fmt: Formats,
) -> None:
    w = template.word
    master = allocation.master_entry(name)
    owner = "; ".join(sorted({o for c in centers for o in c.owners}))
    items = [(w("billing_period"), header.period), (w("cost_center"), name)]
    if master is not None:
        items += [(w("name"), master.name), (w("gl_account"), master.gl_account)]
        owner = master.owner or owner
    items += [
        (w("currency"), ", ".join(c.currency for c in centers)),
        (w("owner"), owner),
        (w("team"), "; ".join(sorted({t for c in centers for t in c.teams}))),
        (w("invoice_ids"), ", ".join(invoice_ids(allocation, name))),
        *_common(header, template)[1:],
    ]
    row = header_block(
        ws, template.title("statement", period=header.period, cost_center=name), items, fmt
    )
    columns = list(template.columns["statement"])
    table_header(ws, row, [template.label(c) for c in columns], fmt)
    head = row
    summed = [c for c in columns if c in MONEY or c == "line_items"]
    for cc in centers:
        first = row + 1
        for group in statement_groups(cc.lines):
            group_first = row + 1
            for line in group.lines:
                row += 1
                record: dict[str, Value] = {
                    **{k: v for k, v in line.__dict__.items() if isinstance(v, str)},
                    "usage_kind": template.usage_kind(line.usage_kind),
                    "usage_amount": line.usage_amount,
                    "amount": line.amount,
                    "line_items": line.line_items,
                }
                write_record(ws, row, columns, record, cc.currency, fmt)
            row += 1
            sums: dict[str, Decimal | int] = {
                "amount": group.amount,
                "line_items": sum(ln.line_items for ln in group.lines),
            }
            label = f"{w('subtotal')} {group.project_id or w('no_project')}"
            total_row(
                ws,
                row,
                columns,
                label,
                group_first,
                row - 1,
                {k: v for k, v in sums.items() if k in summed},
                cc.currency,
                fmt,
                function="SUBTOTAL",
            )
        row += 1
        sums = {"amount": cc.amount, "line_items": sum(ln.line_items for ln in cc.lines)}
        sums = {k: v for k, v in sums.items() if k in summed}
        total_row(
            ws,
            row,
            columns,
            _total(template, cc.currency),
            first,
            row - 1,
            sums,
            cc.currency,
            fmt,
            function="SUBTOTAL",
        )
    set_widths(ws, columns, template)
    page_setup(ws, head, row - 1, len(columns) - 1, f"{_footer(template, header)} {name}")


def _unattributed(
    ws: Worksheet,
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
    fmt: Formats,
) -> None:
    title = template.title("unattributed", period=header.period, cost_center=UNATTRIBUTED)
    row = header_block(ws, title, _common(header, template), fmt)
    columns = ["reason", "meaning", "currency", "amount"]
    table_header(ws, row, [template.label(c) for c in columns], fmt)
    head = row
    centers = [c for t in allocation.totals for c in t.cost_centers if c.is_unattributed]
    for cc in centers:
        first = row + 1
        for reason, amount in by_reason(cc):
            row += 1
            record: dict[str, Value] = {
                "reason": reason,
                "meaning": template.reason(reason),
                "currency": cc.currency,
                "amount": amount,
            }
            write_record(ws, row, columns, record, cc.currency, fmt)
        row += 1
        total_row(
            ws,
            row,
            columns,
            _total(template, UNATTRIBUTED, cc.currency),
            first,
            row - 1,
            {"amount": cc.amount},
            cc.currency,
            fmt,
        )
    row += 2
    write_text(
        ws, row, 0, template.title("worklist", period=header.period, cost_center=""), fmt.label
    )
    row += 1
    work_columns = list(template.columns["worklist"])
    for key, index in (("iam_principal", 1), ("attribution_value", 5)):
        if not any(b.keys[index] for b in allocation.worklist):  # e.g. no IAM principal data
            work_columns = [c for c in work_columns if c != key]
    table_header(ws, row, [template.label(c) for c in work_columns], fmt)
    work_head = row
    for cc in centers:
        first = row + 1
        items = worklist(allocation, cc.currency)
        for b in items:
            row += 1
            account, principal, resource, model, reason, value = b.keys
            record = {
                "attribution_value": value,
                "usage_account_id": account,
                "iam_principal": principal,
                "resource_id": resource,
                "model": model,
                "reason": reason,
                "currency": b.currency,
                "amount": b.amount,
                "line_items": int(b.extra.get("line_items", 0)),
            }
            write_record(ws, row, work_columns, record, cc.currency, fmt)
        row += 1
        sums: dict[str, Decimal | int] = {"amount": sum((b.amount for b in items), Decimal(0))}
        if "line_items" in work_columns:
            sums["line_items"] = sum(int(b.extra.get("line_items", 0)) for b in items)
        total_row(
            ws,
            row,
            work_columns,
            _total(template, cc.currency),
            first,
            row - 1,
            sums,
            cc.currency,
            fmt,
        )
    widest = [
        max(template.width(a), template.width(b))
        for a, b in zip(columns + [""] * len(work_columns), work_columns, strict=False)
    ]
    for col, width in enumerate(widest):
        ws.set_column(col, col, width)
    page_setup(ws, head, head, max(len(columns), len(work_columns)) - 1, _footer(template, header))
    if row - 1 > work_head:  # the worklist is the table to filter and sort
        ws.autofilter(work_head, 0, row - 1, len(work_columns) - 1)


def _reconciliation(
    ws: Worksheet,
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
    fmt: Formats,
) -> None:
    title = template.title("reconciliation", period=header.period, cost_center="")
    row = header_block(ws, title, _common(header, template), fmt)
    columns = ["line_item_type", "currency", "amount", "line_items"]
    table_header(ws, row, [template.label(c) for c in columns], fmt)
    head = type_last = row
    for totals in allocation.totals:
        first = row + 1
        parts = [b for b in allocation.by_type if b.currency == totals.currency]
        for b in parts:
            row += 1
            record: dict[str, Value] = {
                "line_item_type": b.keys[0],
                "currency": b.currency,
                "amount": b.amount,
                "line_items": int(b.extra.get("line_items", 0)),
            }
            write_record(ws, row, columns, record, b.currency, fmt)
        total = row + 1
        type_last = row
        money = fmt.money(totals.currency, bold=True)
        write_text(ws, total, 0, template.word("export_total"), fmt.label)
        write_text(ws, total, 1, totals.currency, fmt.label)
        sum_formula(ws, total, 2, first, row, totals.total, money)
        count = sum(int(b.extra.get("line_items", 0)) for b in parts)
        sum_formula(ws, total, 3, first, row, count, fmt.number("count", bold=True))
        write_text(ws, total + 1, 0, template.word("attributed_total"), fmt.text)
        ws.write_number(total + 1, 2, float(totals.attributed), fmt.money(totals.currency))
        write_text(ws, total + 2, 0, template.word("unattributed_total"), fmt.text)
        ws.write_number(total + 2, 2, float(totals.unattributed), fmt.money(totals.currency))
        write_text(ws, total + 3, 0, template.word("difference"), fmt.label)
        diff = totals.total - totals.attributed - totals.unattributed
        t, a, u = (cell(total + i, 2) for i in range(3))
        ws.write_formula(total + 3, 2, f"={t}-{a}-{u}", money, float(diff))
        row = total + 5
    row += 1
    columns = ["invoice_id", "billing_entity", "currency", "amount", "line_items"]
    table_header(ws, row, [template.label(c) for c in columns], fmt)
    for totals in allocation.totals:
        first = row + 1
        parts = [b for b in allocation.by_invoice if b.currency == totals.currency]
        for b in parts:
            row += 1
            record = {
                "invoice_id": b.keys[0],
                "billing_entity": b.keys[1],
                "currency": b.currency,
                "amount": b.amount,
                "line_items": int(b.extra.get("line_items", 0)),
            }
            write_record(ws, row, columns, record, b.currency, fmt)
        row += 1
        sums: dict[str, Decimal | int] = {
            "amount": totals.total,
            "line_items": sum(int(b.extra.get("line_items", 0)) for b in parts),
        }
        total_row(
            ws,
            row,
            columns,
            _total(template, totals.currency),
            first,
            row - 1,
            sums,
            totals.currency,
            fmt,
        )
    row += 2
    columns = ["input_file", "rows", "period_rows", "bedrock_rows"]
    table_header(ws, row, [template.label(c) for c in columns], fmt)
    first = row + 1
    for f in allocation.files:
        row += 1
        write_record(
            ws,
            row,
            columns,
            {
                "input_file": f.uri,
                "rows": f.rows,
                "period_rows": f.period_rows,
                "bedrock_rows": f.bedrock_rows,
            },
            "",
            fmt,
        )
    row += 1
    counts: dict[str, Decimal | int] = {
        "rows": sum(f.rows for f in allocation.files),
        "period_rows": sum(f.period_rows for f in allocation.files),
        "bedrock_rows": sum(f.bedrock_rows for f in allocation.files),
    }
    total_row(ws, row, columns, _total(template), first, row - 1, counts, "", fmt)
    ws.set_column(0, 0, max(template.width("input_file"), template.width("line_item_type")))
    ws.set_column(1, 4, 20)
    page_setup(ws, head, type_last, 3, _footer(template, header))


def _coverage(
    ws: Worksheet,
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
    fmt: Formats,
) -> None:
    title = template.title("coverage", period=header.period, cost_center="")
    row = header_block(ws, title, _common(header, template), fmt)
    head = row
    filter_rows = (head, head)
    for field in ("usage_account_id", "project_id"):
        columns = [field, "currency", "spend", "attributed", "unattributed", "coverage"]
        table_header(ws, row, [template.label(c) for c in columns], fmt)
        table_head = row
        for totals in allocation.totals:
            rows = [r for r in coverage(allocation, field) if r.currency == totals.currency]
            first = row + 1
            for r in rows:
                row += 1
                _coverage_row(ws, row, columns, r, fmt, template.word("none"))
            row += 1
            whole = Coverage(
                _total(template, totals.currency),
                totals.currency,
                sum((r.total for r in rows), Decimal(0)),
                sum((r.attributed for r in rows), Decimal(0)),
            )
            sums = {
                "spend": whole.total,
                "attributed": whole.attributed,
                "unattributed": whole.total - whole.attributed,
            }
            total_row(ws, row, columns, whole.key, first, row - 1, sums, totals.currency, fmt)
            _coverage_formula(ws, row, columns, whole, fmt, bold=True)
        filter_rows = (table_head, row - 1)  # the last table, by project, is the long one
        row += 2
    set_widths(
        ws, ["project_id", "currency", "spend", "attributed", "unattributed", "coverage"], template
    )
    ws.set_column(0, 0, 30)
    page_setup(ws, head, head, 5, _footer(template, header))
    if filter_rows[1] > filter_rows[0]:
        ws.autofilter(filter_rows[0], 0, filter_rows[1], 5)


def _coverage_row(
    ws: Worksheet, row: int, columns: Sequence[str], r: Coverage, fmt: Formats, none: str
) -> None:
    record: dict[str, Value] = {
        columns[0]: r.key or none,
        "currency": r.currency,
        "spend": r.total,
        "attributed": r.attributed,
        "unattributed": r.total - r.attributed,
    }
    write_record(ws, row, columns, record, r.currency, fmt)
    _coverage_formula(ws, row, columns, r, fmt)


def _coverage_formula(
    ws: Worksheet, row: int, columns: Sequence[str], r: Coverage, fmt: Formats, bold: bool = False
) -> None:
    spend = cell(row, columns.index("spend"))
    attributed = cell(row, columns.index("attributed"))
    ws.write_formula(
        row,
        columns.index("coverage"),
        f"=IF({spend}=0,0,{attributed}/{spend})",
        fmt.number("coverage", bold),
        r.share,
    )
