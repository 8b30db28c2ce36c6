"""The workbook's Unit economics sheet: per cost center, model and token kind, the tokens,
their cost and the cost per 1M tokens (and each charge that is not tokens), with a live total
per cost center equal to its statement; then the prompt cache per cost center and model (hit
rate, savings) and what the Bedrock taxonomy could not name."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from xlsxwriter.worksheet import Worksheet

from chargeback.allocate.allocation import Allocation
from chargeback.allocate.unit_economics import UnitRow
from chargeback.report.header import RunHeader
from chargeback.report.templates import WorkbookTemplate
from chargeback.report.xlsx.kit import (
    Formats,
    common_items,
    footer_text,
    header_block,
    page_setup,
    set_widths,
    table_header,
    total_label,
    total_row,
    write_record,
    write_text,
)

COLUMNS = (
    "cost_center",
    "model",
    "token_kind",
    "charge",
    "tokens",
    "amount",
    "cost_per_1m_tokens",
    "line_items",
    "currency",
)
CACHE_COLUMNS = (
    "cost_center",
    "model",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_hit_rate_pct",
    "cache_savings",
    "currency",
)


def write_unit_economics(
    ws: Worksheet,
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
    fmt: Formats,
) -> None:
    title = template.title("unit_economics", period=header.period, cost_center="")
    row = header_block(ws, title, common_items(header, template), fmt)
    products = allocation.products
    for message in products.warnings():
        write_text(ws, row, 0, template.word("warning"), fmt.label)
        write_text(ws, row, 1, message, fmt.text)
        row += 2
    head = row
    table_header(ws, row, [template.label(c) for c in COLUMNS], fmt)
    by_center: dict[tuple[str, str], list[UnitRow]] = defaultdict(list)
    for r in allocation.economics.rows:
        by_center[(r.currency, r.cost_center)].append(r)
    for (currency, name), rows in by_center.items():
        first = row + 1
        for r in rows:
            row += 1
            record = {
                "cost_center": r.cost_center,
                "model": r.model,
                "token_kind": r.token_kind,
                "charge": r.charge,
                "tokens": r.tokens,
                "amount": r.amount,
                "cost_per_1m_tokens": r.cost_per_million,
                "line_items": r.line_items,
                "currency": r.currency,
            }
            write_record(ws, row, COLUMNS, record, currency, fmt)
        row += 1
        sums: dict[str, Decimal | int] = {
            "amount": sum((r.amount for r in rows), Decimal(0)),
            "line_items": sum(r.line_items for r in rows),
        }
        total_row(
            ws,
            row,
            COLUMNS,
            total_label(template, name, currency),
            first,
            row - 1,
            sums,
            currency,
            fmt,
        )
    last = row
    row += 2
    cache = allocation.economics.cache
    if cache:
        table_header(ws, row, [template.label(c) for c in CACHE_COLUMNS], fmt)
        for c in cache:
            row += 1
            record = {
                "cost_center": c.cost_center,
                "model": c.model,
                "input_tokens": c.input_tokens,
                "cache_read_tokens": c.cache_read_tokens,
                "cache_write_tokens": c.cache_write_tokens,
                "cache_hit_rate_pct": c.hit_rate_pct,
                "cache_savings": c.savings,
                "currency": c.currency,
            }
            write_record(ws, row, CACHE_COLUMNS, record, c.currency, fmt)
        row += 2
    for entry in (*products.unknown, *products.unsized):
        spend = ", ".join(f"{a:,.2f} {c}" for c, a in sorted(entry.spend.items()))
        write_text(ws, row, 0, entry.usage_type or "(no usage type)", fmt.text)
        write_text(ws, row, 1, entry.model, fmt.text)
        write_text(ws, row, 2, entry.reason, fmt.text)
        write_text(ws, row, 3, spend, fmt.text)
        row += 1
    set_widths(ws, COLUMNS, template)
    ws.set_column(0, 0, 30)
    page_setup(ws, head, last, len(COLUMNS) - 1, footer_text(template, header))
