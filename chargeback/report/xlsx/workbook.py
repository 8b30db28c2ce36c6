"""The consolidated workbook and the one-statement workbooks sent to each cost center.

Sheets: Summary, one statement per cost center, then the checks (``xlsx_checks``):
Unattributed, Reconciliation, Tag coverage; then Unit economics (``xlsx.economics``).
Wording, column order, widths and number formats come from
``report_templates/workbook.toml``. Totals are live formulas stored with their values (see
``xlsx_kit``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from chargeback.allocate.allocation import Allocation
from chargeback.allocate.statements import UNATTRIBUTED, CostCenterTotal
from chargeback.report.alerts import MonthAlerts
from chargeback.report.header import RunHeader
from chargeback.report.previous import PreviousRun
from chargeback.report.safety import TakenNames, sheet_title
from chargeback.report.templates import WorkbookTemplate
from chargeback.report.views import (
    cost_centers,
    invoice_ids,
    statement_groups,
    summary_rows,
)
from chargeback.report.xlsx.alerts_sheet import write_alerts
from chargeback.report.xlsx.charts import SummaryPlace, add_charts
from chargeback.report.xlsx.checks import write_coverage, write_reconciliation, write_unattributed
from chargeback.report.xlsx.economics import write_unit_economics
from chargeback.report.xlsx.kit import (
    EXCEL_ROWS,
    MONEY,
    Formats,
    Value,
    add_sheet,
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
from chargeback.report.xlsx.pages import Pages
from chargeback.report.xlsx.sheets import SafeWorkbook
from chargeback.taxonomy import CATEGORIES

__all__ = ["MAX_STATEMENT_SHEETS", "write_statement_workbook", "write_workbook"]

#: Statement sheets the consolidated workbook holds at most, one per cost center. Past this
#: many cost centers it holds every statement line in one sheet instead ("Statements", a
#: table with a filter on its cost-center column and a live total per currency that follows
#: the filter); each cost center's own file (``statements/``) is written either way. A
#: thousand sheets is already past what anyone pages through, Excel slows down opening far
#: more, and XlsxWriter checks each new sheet's name against all before it (issue 19).
MAX_STATEMENT_SHEETS = 1_000
# That one sheet, and Unit economics then (a row per cost center, model and token kind), are
# streamed (``sheets.add_sheet(stream=True)``: rows go to a temporary file as they are written,
# so memory does not grow with them; their writers write each row once, in order, and a cell
# written out of order raises instead of being lost), and the workbook is assembled in
# temporary files rather than in memory. TODO(speed): the Summary (a row per cost
# center) is still held: its charts read their cached values from it. The workbook adds
# ~7 MB at 17,600 cost centers (was ~1.1 GB). At 86k cost centers the run's process grows
# by ~0.3 GB while it writes its share of the jobs (this workbook among them; which job
# holds what is not measured yet: the Summary and XlsxWriter's shared strings are
# candidates), the largest growth left in a run that now peaks at ~1.45 GB (was 3.0 GB:
# run.json built whole, the lines' texts an object per line, run.json read back whole;
# benchmarks/RESULTS.md, "Peak memory with ~100,000 cost centers").


def new_workbook(path: Path, title: str, in_memory: bool = True) -> Workbook:
    """``in_memory``: the workbook's parts assembled in memory (quicker for small files);
    off, in temporary files (for a workbook with a streamed sheet)."""
    wb = SafeWorkbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": in_memory,
        },
    )
    wb.set_properties({"title": title})
    return wb


def write_workbook(
    path: Path,
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
    previous: PreviousRun | None = None,
    max_rows: int = EXCEL_ROWS,
    alerts: MonthAlerts | None = None,
    max_sheets: int = MAX_STATEMENT_SHEETS,
) -> None:
    """``chargeback-YYYY-MM.xlsx``: everything an accountant checks and books. A statement
    longer than ``max_rows`` goes on over more sheets (``xlsx.pages``); past ``max_sheets``
    cost centers their statements share one sheet (``MAX_STATEMENT_SHEETS``). With
    ``alerts``: budget columns on the Summary, its charts, and the Alerts sheet after it."""
    statements = cost_centers(allocation)
    one_sheet = len(statements) > max_sheets
    wb = new_workbook(path, f"Amazon Bedrock chargeback {header.period}", in_memory=not one_sheet)
    fmt = Formats(wb, template)
    sheets = template.sheets
    used = TakenNames(sheets.values())
    summary = add_sheet(wb, sheets["summary"])
    place = _summary(summary, allocation, header, template, fmt, previous, alerts)
    data: Worksheet | None = None
    if alerts is not None:
        alerts_title = sheet_title(template.word("alerts_sheet"), used)
        data_title = sheet_title(template.word("chart_data_sheet"), used)
        write_alerts(add_sheet(wb, alerts_title), alerts, header, template, fmt)
        data = add_sheet(wb, data_title)
    if one_sheet:
        _all_statements(wb, used, statements, header, template, fmt, max_rows)
    else:
        for name, centers in statements.items():
            title = sheet_title(name, used)
            _statement(wb, title, used, name, centers, allocation, header, template, fmt, max_rows)
    write_unattributed(add_sheet(wb, sheets["unattributed"]), allocation, header, template, fmt)
    write_reconciliation(add_sheet(wb, sheets["reconciliation"]), allocation, header, template, fmt)
    write_coverage(add_sheet(wb, sheets["coverage"]), allocation, header, template, fmt)
    # with as many cost centers, Unit economics (rows written in order) is streamed too
    economics = add_sheet(wb, sheets["unit_economics"], stream=one_sheet)
    write_unit_economics(economics, allocation, header, template, fmt)
    if alerts is not None and place is not None and data is not None:
        add_charts(
            wb,
            summary,
            data,
            place,
            allocation,
            alerts,
            template,
            header.period,
        )
    wb.close()


def write_statement_workbook(
    path: Path,
    name: str,
    centers: Sequence[CostCenterTotal],
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
    max_rows: int = EXCEL_ROWS,
) -> None:
    """One cost center's statement alone, to send to its owner (over more sheets when it
    is longer than ``max_rows``)."""
    wb = new_workbook(path, f"Amazon Bedrock chargeback {header.period}: {name}")
    fmt = Formats(wb, template)
    used = TakenNames()
    title = sheet_title(name, used)
    _statement(wb, title, used, name, centers, allocation, header, template, fmt, max_rows)
    wb.close()


def _summary(
    ws: Worksheet,
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
    fmt: Formats,
    previous: PreviousRun | None,
    alerts: MonthAlerts | None = None,
) -> SummaryPlace | None:
    """The Summary table; where its first currency's rows are, for the charts."""
    items = common_items(header, template)
    items.append((template.word("invoice_ids"), ", ".join(header.invoice_ids)))
    if previous is not None:
        items.append((template.word("last_month_from"), previous.uri))
    title = template.title("summary", period=header.period, cost_center="")
    row = header_block(ws, title, items, fmt)
    budgets = {} if alerts is None else {(b.cost_center, b.currency): b for b in alerts.budgets}
    projects = any(b.projected is not None for b in budgets.values())
    columns = [
        c
        for c in template.columns["summary"]
        if (previous is not None or c not in ("last_month", "change"))
        and (allocation.master or c not in ("cost_center_name", "gl_account"))
        and (budgets or c not in ("budget", "remaining", "used_pct", "projected"))
        and (projects or c != "projected")
    ]
    place: SummaryPlace | None = None
    table_header(ws, row, [template.label(c) for c in columns], fmt)
    head = row
    for totals in allocation.totals:
        rows = summary_rows(totals.cost_centers, None if previous is None else previous.amounts)
        first = row + 1
        sums: dict[str, Decimal | int] = {}
        for r in rows:
            row += 1
            entry = allocation.master_entry(r.cost_center)
            budget = budgets.get((r.cost_center, r.currency))
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
                "budget": None if budget is None else budget.budget,
                "remaining": None if budget is None else budget.remaining,
                "used_pct": None if budget is None else budget.used_pct,
                "projected": None if budget is None else budget.projected,
                "line_items": r.line_items,
            }
            write_record(ws, row, columns, record, totals.currency, fmt)
            for key in columns:
                value = record[key]
                summed = (
                    *CATEGORIES,
                    *("net", "share_pct", "last_month", "change", "line_items"),
                    *("budget", "remaining", "projected"),
                )
                if key in summed and isinstance(value, Decimal | int):
                    sums[key] = sums.get(key, Decimal(0)) + value
        row += 1
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
        if "currency" in columns:
            write_text(ws, row, columns.index("currency"), totals.currency, fmt.label)
        if place is None:
            place = SummaryPlace(
                ws.name,
                totals.currency,
                first,
                row - 1 - sum(r.cost_center == UNATTRIBUTED for r in rows),
                columns.index("cost_center"),
                columns.index("net"),
            )
    set_widths(ws, columns, template)
    page_setup(ws, head, row - 1, len(columns) - 1, footer_text(template, header))
    if place is not None:
        place = replace(place, chart_row=row + 2)
    return place


def _statement(
    wb: Workbook,
    title: str,
    used: set[str],
    name: str,
    centers: Sequence[CostCenterTotal],
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
    fmt: Formats,
    max_rows: int,
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
        *common_items(header, template)[1:],
    ]
    heading = template.title("statement", period=header.period, cost_center=name)
    columns = list(template.columns["statement"])

    def start(ws: Worksheet, continues: str | None) -> int:
        block = items if continues is None else [*items[:2], (w("continued_from"), continues)]
        row = header_block(ws, heading, block, fmt)
        table_header(ws, row, [template.label(c) for c in columns], fmt)
        return row

    pages = Pages(
        wb, title, used, start, max_rows, lambda nxt: f"{w('continued_on')} {nxt}", fmt.label
    )
    summed = [c for c in columns if c in MONEY or c == "line_items"]
    for cc in centers:
        first = pages.mark()
        for group in statement_groups(cc.lines):
            group_first = pages.mark()
            for line in group.lines:
                record: dict[str, Value] = {  # every field of the line is text or a number
                    **line.__dict__,
                    "usage_kind": template.usage_kind(line.usage_kind),
                }
                row = pages.next_row()  # first: it may move to the next sheet
                write_record(pages.ws, row, columns, record, cc.currency, fmt)
            spans = pages.spans(group_first)
            sums: dict[str, Decimal | int] = {
                "amount": group.amount,
                "line_items": sum(ln.line_items for ln in group.lines),
            }
            label = f"{w('subtotal')} {group.project_id or w('no_project')}"
            row = pages.next_row()
            total_row(
                pages.ws,
                row,
                columns,
                label,
                0,
                -1,
                {k: v for k, v in sums.items() if k in summed},
                cc.currency,
                fmt,
                function="SUBTOTAL",
                spans=spans,
            )
        spans = pages.spans(first)
        sums = {"amount": cc.amount, "line_items": sum(ln.line_items for ln in cc.lines)}
        sums = {k: v for k, v in sums.items() if k in summed}
        row = pages.next_row()
        total_row(
            pages.ws,
            row,
            columns,
            total_label(template, cc.currency),
            0,
            -1,
            sums,
            cc.currency,
            fmt,
            function="SUBTOTAL",
            spans=spans,
        )
    footer = f"{footer_text(template, header)} {name}"
    for i, (ws, head, last) in enumerate(pages.sheets):
        set_widths(ws, columns, template)
        final = i == len(pages.sheets) - 1
        page_setup(ws, head, last - 1 if final else last, len(columns) - 1, footer)


def _all_statements(
    wb: Workbook,
    used: set[str],
    statements: dict[str, list[CostCenterTotal]],
    header: RunHeader,
    template: WorkbookTemplate,
    fmt: Formats,
    max_rows: int,
) -> None:
    """Every cost center's statement lines in one table, a cost-center column first, the
    lines in the order of each cost center's own statement; per currency a live SUBTOTAL
    that follows the table's filter (filter on a cost center: its total). Its sheets are
    streamed: every row below is written once, in order (header block, table header, lines,
    totals; widths and page setup touch no cell)."""
    w = template.word
    columns = ["cost_center", *template.columns["statement"]]
    heading = template.title("statement", period=header.period, cost_center=w("all_cost_centers"))
    items = [(w("billing_period"), header.period), *common_items(header, template)[1:]]

    def start(ws: Worksheet, continues: str | None) -> int:
        block = items if continues is None else [*items[:1], (w("continued_from"), continues)]
        row = header_block(ws, heading, block, fmt)
        table_header(ws, row, [template.label(c) for c in columns], fmt)
        return row

    title = sheet_title(w("statements_sheet"), used)
    pages = Pages(
        wb,
        title,
        used,
        start,
        max_rows,
        lambda nxt: f"{w('continued_on')} {nxt}",
        fmt.label,
        stream=True,
    )
    summed = [c for c in columns if c in MONEY or c == "line_items"]
    by_currency: dict[str, list[tuple[str, CostCenterTotal]]] = {}
    for name, centers in statements.items():
        for cc in centers:
            by_currency.setdefault(cc.currency, []).append((name, cc))
    for currency in sorted(by_currency):
        first = pages.mark()
        amount, line_items = Decimal(0), 0
        for name, cc in by_currency[currency]:
            for group in statement_groups(cc.lines):
                for line in group.lines:
                    record: dict[str, Value] = {
                        **line.__dict__,
                        "cost_center": name,
                        "usage_kind": template.usage_kind(line.usage_kind),
                    }
                    row = pages.next_row()
                    write_record(pages.ws, row, columns, record, currency, fmt)
            amount += cc.amount
            line_items += sum(ln.line_items for ln in cc.lines)
        sums: dict[str, Decimal | int] = {"amount": amount, "line_items": line_items}
        spans = pages.spans(first)  # before the total's own row is handed out
        row = pages.next_row()
        total_row(
            pages.ws,
            row,
            columns,
            total_label(template, currency),
            0,
            -1,
            {k: v for k, v in sums.items() if k in summed},
            currency,
            fmt,
            function="SUBTOTAL",
            spans=spans,
        )
    footer = footer_text(template, header)
    for i, (ws, head, last) in enumerate(pages.sheets):
        set_widths(ws, columns, template)
        final = i == len(pages.sheets) - 1
        page_setup(ws, head, last - 1 if final else last, len(columns) - 1, footer)
