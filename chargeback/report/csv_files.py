"""The CSV statements: the summary and the aggregated lines (column names are a contract),
and each cost center's statement as CSV (template columns)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from chargeback.allocate.allocation import Allocation
from chargeback.allocate.statements import LINE_FIELDS, CostCenterTotal
from chargeback.report.previous import PreviousRun
from chargeback.report.safety import csv_text
from chargeback.report.templates import WorkbookTemplate
from chargeback.report.views import statement_groups

SUMMARY_COLUMNS: tuple[str, ...] = (
    "billing_period",
    "cost_center",
    "currency",
    "amount",
    "share_pct",
    "owner",
    "team",
    "line_items",
    "cost_center_name",
    "gl_account",
    "cost_center_owner",
    "last_month",
    "change",
    "change_pct",
)

UNIT_ECONOMICS_COLUMNS: tuple[str, ...] = (
    "billing_period",
    "currency",
    "cost_center",
    "model",
    "token_kind",
    "charge",
    "tokens",
    "amount",
    "cost_per_1m_tokens",
    "line_items",
    "cache_hit_rate_pct",
    "cache_savings",
)

LINES_COLUMNS: tuple[str, ...] = (
    "billing_period",
    "cost_center",
    "unattributed_reason",
    "project_id",
    "application",
    "environment",
    "team",
    "owner",
    "usage_account_id",
    "model",
    "usage_type",
    "line_item_type",
    "pricing_unit",
    "usage_amount",
    "currency",
    "amount",
    "usage_kind",
    "resource_id",
    "line_items",
    "attribution_source",
    "attribution_value",
    "description",
    "provider",
    "token_kind",
    "charge_kind",
    "service_tier",
    "cross_region",
    "tokens",
)


def money_text(amount: Decimal) -> str:
    return f"{amount:.2f}"


def quantity_text(value: Decimal) -> str:
    """A usage quantity as written in the export, without trailing zeros."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def write_summary(
    path: Path, period: str, allocation: Allocation, previous: PreviousRun | None = None
) -> None:
    """The summary; with last month's published run, its charge and the change (blank
    without one; a cost center charged last month only is not listed here, the workbook's
    Summary shows it)."""
    rows = []
    for totals in allocation.totals:
        for cc in totals.cost_centers:
            entry = allocation.master_entry(cc.cost_center)
            change = month_change(previous, cc.cost_center, cc.currency, cc.amount)
            rows.append(
                [
                    period,
                    csv_text(cc.cost_center),
                    cc.currency,
                    money_text(cc.amount),
                    money_text(cc.share_pct),
                    csv_text("; ".join(cc.owners)),
                    csv_text("; ".join(cc.teams)),
                    str(sum(ln.line_items for ln in cc.lines)),
                    csv_text(entry.name if entry else ""),
                    csv_text(entry.gl_account if entry else ""),
                    csv_text(entry.owner if entry else ""),
                    *change,
                ]
            )
    _write(path, SUMMARY_COLUMNS, rows)


def month_change(
    previous: PreviousRun | None, cost_center: str, currency: str, amount: Decimal
) -> tuple[str, str, str]:
    """(last month, change, change %) as text; blank without a previous run, and the
    percentage blank when last month was 0."""
    if previous is None:
        return "", "", ""
    last = previous.amounts.get((cost_center, currency), Decimal(0))
    pct = "" if last == 0 else f"{(amount - last) * 100 / abs(last):.2f}"
    return money_text(last), money_text(amount - last), pct


def write_unit_economics(path: Path, period: str, allocation: Allocation) -> None:
    """Per currency, cost center, model and token kind (and each charge that is not
    tokens): tokens, cost, cost per 1M tokens; the cache's hit rate and savings on the
    model's cache-read row. Amounts add up to each cost center's total."""
    economics = allocation.economics
    cache = {(c.currency, c.cost_center, c.model): c for c in economics.cache}
    rows = []
    for r in economics.rows:
        found = cache.get((r.currency, r.cost_center, r.model))
        cached = found if found is not None and r.token_kind == "cache_read" else None
        rows.append(
            [
                period,
                r.currency,
                csv_text(r.cost_center),
                csv_text(r.model),
                r.token_kind,
                csv_text(r.charge),
                "" if r.tokens is None else quantity_text(r.tokens),
                money_text(r.amount),
                "" if r.cost_per_million is None else f"{r.cost_per_million:.4f}",
                str(r.line_items),
                ""
                if cached is None or cached.hit_rate_pct is None
                else f"{cached.hit_rate_pct:.2f}",
                "" if cached is None or cached.savings is None else money_text(cached.savings),
            ]
        )
    _write(path, UNIT_ECONOMICS_COLUMNS, rows)


def write_lines(path: Path, period: str, allocation: Allocation) -> None:
    text_fields = set(LINE_FIELDS)
    rows = []
    for line in allocation.lines:
        values = {
            "billing_period": period,
            "usage_amount": quantity_text(line.usage_amount),
            "amount": money_text(line.amount),
            "line_items": str(line.line_items),
            "tokens": "" if line.tokens is None else quantity_text(line.tokens),
        }
        for name in text_fields:
            values[name] = csv_text(getattr(line, name))
        rows.append([values[c] for c in LINES_COLUMNS])
    _write(path, LINES_COLUMNS, rows)


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_statement_csv(
    path: Path, period: str, centers: Sequence[CostCenterTotal], template: WorkbookTemplate
) -> None:
    """One cost center's statement lines (grouped as on its sheet): the billing period and
    cost center first, so the file explains itself when sent alone, then template columns."""
    columns = template.columns["statement"]
    rows = []
    for cc in centers:
        for group in statement_groups(cc.lines):
            for line in group.lines:
                values = {
                    "usage_kind": template.usage_kind(line.usage_kind),
                    "usage_amount": quantity_text(line.usage_amount),
                    "amount": money_text(line.amount),
                    "line_items": str(line.line_items),
                }
                rows.append(
                    [period, csv_text(cc.cost_center)]
                    + [values[c] if c in values else csv_text(getattr(line, c)) for c in columns]
                )
    words = [template.word("billing_period"), template.word("cost_center")]
    _write(path, [csv_text(t) for t in words + [template.label(c) for c in columns]], rows)
