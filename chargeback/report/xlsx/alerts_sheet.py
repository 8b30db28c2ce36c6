"""The Alerts sheet: what needs a look this month, worst first (``report.alerts``), then
every budget line and what the anomaly check compared."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from chargeback.report.alerts import MonthAlerts
from chargeback.report.header import RunHeader
from chargeback.report.templates import WorkbookTemplate
from chargeback.report.xlsx.kit import (
    Formats,
    Value,
    common_items,
    footer_text,
    header_block,
    page_setup,
    set_widths,
    table_header,
    write_record,
    write_text,
)

ALERT_COLUMNS = (
    "alert_kind",
    "cost_center",
    "model",
    "currency",
    "amount",
    "reference",
    "projected",
    "message",
)
BUDGET_COLUMNS = ("cost_center", "currency", "budget", "net", "remaining", "used_pct", "projected")


def write_alerts(
    ws: Worksheet,
    alerts: MonthAlerts,
    header: RunHeader,
    template: WorkbookTemplate,
    fmt: Formats,
) -> None:
    w = template.word
    items = common_items(header, template)
    items.append((w("anomaly_check"), alerts.anomalies.note))
    row = header_block(ws, f"{w('alerts_title')} {header.period}", items, fmt)
    labels = [
        w(c) if c in ("alert_kind", "reference", "message") else template.label(c)
        for c in ALERT_COLUMNS
    ]
    table_header(ws, row, labels, fmt)
    head = row
    if not alerts.alerts:
        row += 1
        write_text(ws, row, 0, w("no_alerts"), fmt.text)
    for alert in alerts.alerts:
        row += 1
        record: dict[str, Value] = {
            "alert_kind": alert.kind,
            "cost_center": alert.cost_center,
            "model": alert.model,
            "currency": alert.currency,
            "amount": alert.amount,
            "reference": alert.reference,
            "projected": alert.projected,
            "message": alert.message,
        }
        write_record(ws, row, ALERT_COLUMNS, record, alert.currency, fmt)
    last = row
    if alerts.budgets:
        row += 2
        table_header(ws, row, [template.label(c) for c in BUDGET_COLUMNS], fmt)
        for b in alerts.budgets:
            row += 1
            budget: dict[str, Value] = {
                "cost_center": b.cost_center,
                "currency": b.currency,
                "budget": b.budget,
                "net": b.spent,
                "remaining": b.remaining,
                "used_pct": b.used_pct,
                "projected": b.projected,
            }
            write_record(ws, row, BUDGET_COLUMNS, budget, b.currency, fmt)
    set_widths(ws, ALERT_COLUMNS, template)
    ws.set_column(len(ALERT_COLUMNS) - 1, len(ALERT_COLUMNS) - 1, 90)
    page_setup(ws, head, last, len(ALERT_COLUMNS) - 1, footer_text(template, header))
