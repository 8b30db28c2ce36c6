"""The sheets that check the month: Unattributed (by reason, and the worklist of what to tag),
Reconciliation (the export's total by line item type and invoice, = attributed +
unattributed, and the input files) and Tag coverage (by account and by project)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from xlsxwriter.worksheet import Worksheet

from chargeback.allocate.allocation import Allocation
from chargeback.allocate.money import round_money
from chargeback.allocate.statements import UNATTRIBUTED
from chargeback.report.header import RunHeader
from chargeback.report.templates import WorkbookTemplate
from chargeback.report.views import TagCoverage, by_reason, tag_coverage, worklist
from chargeback.report.xlsx.kit import (
    Formats,
    Value,
    cell,
    common_items,
    footer_text,
    header_block,
    page_setup,
    set_widths,
    sum_formula,
    table_header,
    total_label,
    total_row,
    write_record,
    write_text,
)


def write_unattributed(
    ws: Worksheet,
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
    fmt: Formats,
) -> None:
    title = template.title("unattributed", period=header.period, cost_center=UNATTRIBUTED)
    row = header_block(ws, title, common_items(header, template), fmt)
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
            total_label(template, UNATTRIBUTED, cc.currency),
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
            total_label(template, cc.currency),
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
    page_setup(
        ws, head, head, max(len(columns), len(work_columns)) - 1, footer_text(template, header)
    )
    if row - 1 > work_head:  # the worklist is the table to filter and sort
        ws.autofilter(work_head, 0, row - 1, len(work_columns) - 1)


def write_reconciliation(
    ws: Worksheet,
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
    fmt: Formats,
) -> None:
    title = template.title("reconciliation", period=header.period, cost_center="")
    row = header_block(ws, title, common_items(header, template), fmt)
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
            total_label(template, totals.currency),
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
    total_row(ws, row, columns, total_label(template), first, row - 1, counts, "", fmt)
    ws.set_column(0, 0, max(template.width("input_file"), template.width("line_item_type")))
    ws.set_column(1, 4, 20)
    page_setup(ws, head, type_last, 3, footer_text(template, header))


def write_coverage(
    ws: Worksheet,
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
    fmt: Formats,
) -> None:
    title = template.title("coverage", period=header.period, cost_center="")
    row = header_block(ws, title, common_items(header, template), fmt)
    for unmatched in allocation.unmatched:  # a setting that matched nothing, first of all
        write_text(ws, row, 0, template.word("warning"), fmt.label)
        write_text(ws, row, 1, unmatched.message, fmt.text)
        row += 2
    head = row
    filter_rows = (head, head)
    for field in ("usage_account_id", "project_id"):
        columns = [field, "currency", "spend", "attributed", "unattributed", "coverage"]
        table_header(ws, row, [template.label(c) for c in columns], fmt)
        table_head = row
        for totals in allocation.totals:
            rows = [r for r in tag_coverage(allocation, field) if r.currency == totals.currency]
            first = row + 1
            for r in rows:
                row += 1
                _coverage_row(ws, row, columns, r, fmt, template.word("none"))
            row += 1
            whole = TagCoverage(
                total_label(template, totals.currency),
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
    row = _write_tag_keys(ws, row, allocation, template, fmt)
    _write_log_coverage(ws, row, allocation, fmt)
    set_widths(
        ws, ["project_id", "currency", "spend", "attributed", "unattributed", "coverage"], template
    )
    ws.set_column(0, 0, 30)
    page_setup(ws, head, head, 5, footer_text(template, header))
    if filter_rows[1] > filter_rows[0]:
        ws.autofilter(filter_rows[0], 0, filter_rows[1], 5)


def _write_tag_keys(
    ws: Worksheet, row: int, allocation: Allocation, template: WorkbookTemplate, fmt: Formats
) -> int:
    """When the cost-center tag matched nothing: the keys the lines carry, by share."""
    keys = [k for u in allocation.unmatched for k in u.tag_keys]
    if not keys:
        return row
    write_text(ws, row, 0, template.word("tag_keys"), fmt.label)
    row += 1
    columns = ["tag_key", "currency", "spend", "share_pct", "line_items"]
    table_header(ws, row, [template.label(c) for c in columns], fmt)
    for k in keys:
        row += 1
        record: dict[str, Value] = {
            "tag_key": k.key,
            "currency": k.currency,
            "spend": k.amount,
            "share_pct": k.share_pct,
            "line_items": k.line_items,
        }
        write_record(ws, row, columns, record, k.currency, fmt)
    return row + 2


#: The invocation-log coverage table's columns (issue 14), as its header names them.
LOG_COLUMNS = (
    "Model",
    "Kind of token",
    "Export tokens (logging on)",
    "Log tokens",
    "Logs / export %",
    "Attributed by logs",
    "log_untagged",
    "no_log_match",
    "Export tokens (no logging)",
    "Gap",
)


def _write_log_coverage(ws: Worksheet, row: int, allocation: Allocation, fmt: Formats) -> None:
    """With invocation logs: per model and kind of token, the tokens the export bills for
    the lines the rule tried to explain, the tokens the logs count, the spend they
    attributed or left, and the gaps (model, account and region, days)."""
    logs = allocation.invocation_logs
    if logs is None:
        return
    write_text(ws, row, 0, "Invocation logs", fmt.label)
    write_text(ws, row, 1, f"{logs.objects:,} object(s) under {logs.location}", fmt.text)
    row += 1
    table_header(ws, row, LOG_COLUMNS, fmt)
    for r in logs.rows:
        row += 1
        write_text(ws, row, 0, r.model, fmt.text)
        write_text(ws, row, 1, r.token_kind, fmt.text)
        for col, value in ((2, r.export_tokens), (3, Decimal(r.log_tokens)), (4, r.log_share_pct)):
            if value is None:
                write_text(ws, row, col, "-", fmt.text)
            else:
                ws.write_number(row, col, float(value))
        for col, amount in ((5, r.explained), (6, r.untagged), (7, r.unmatched)):
            ws.write_number(row, col, float(round_money(amount)), fmt.money(r.currency or "USD"))
        if r.unlogged_tokens is not None:
            ws.write_number(row, 8, float(r.unlogged_tokens))
        write_text(ws, row, 9, r.flag, fmt.text)
    for gap in logs.gaps:
        row += 1
        write_text(ws, row, 0, "Gap", fmt.label)
        write_text(ws, row, 1, gap.message, fmt.text)


def _coverage_row(
    ws: Worksheet, row: int, columns: Sequence[str], r: TagCoverage, fmt: Formats, none: str
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
    ws: Worksheet,
    row: int,
    columns: Sequence[str],
    r: TagCoverage,
    fmt: Formats,
    bold: bool = False,
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
