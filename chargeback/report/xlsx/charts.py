"""Native Excel charts on the Summary: spend by cost center, spend by model, spend by month
(when earlier months were published to the same output) and budget used (when the master
list has budgets). Charts of the first currency; their figures are cells, on the Summary
(cost centers) or on the Chart data sheet, so a chart is never a picture of numbers nobody
can check."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from chargeback.allocate.allocation import Allocation
from chargeback.allocate.statements import UNATTRIBUTED
from chargeback.report.alerts import MonthAlerts
from chargeback.report.figures import TOP_CENTERS, center_bars, model_spend, trend_table
from chargeback.report.safety import clean_text
from chargeback.report.templates import WorkbookTemplate

#: A chart's size in pixels, and how many rows one takes at the default row height.
WIDTH, HEIGHT, ROWS = 520, 300, 16


@dataclass(frozen=True)
class SummaryPlace:
    """Where the Summary's first currency's cost centers are (UNATTRIBUTED excluded)."""

    sheet: str
    currency: str
    first: int
    last: int
    name_col: int
    net_col: int
    #: The first free row below the Summary's table.
    chart_row: int = 0


def _ref(sheet: str, r1: int, c1: int, r2: int, c2: int) -> list[str | int]:
    return [sheet, r1, c1, r2, c2]


def add_charts(
    wb: Workbook,
    summary: Worksheet,
    data: Worksheet,
    place: SummaryPlace,
    allocation: Allocation,
    alerts: MonthAlerts,
    template: WorkbookTemplate,
    period: str,
) -> None:
    w = template.word
    currency = place.currency
    money = wb.add_format({"num_format": template.money_format(currency)})
    charts = []
    row = 0
    centers = place.last - place.first + 1
    if 0 < centers <= TOP_CENTERS:  # the Summary's own cells
        categories = _ref(place.sheet, place.first, place.name_col, place.last, place.name_col)
        values = _ref(place.sheet, place.first, place.net_col, place.last, place.net_col)
    elif centers > TOP_CENTERS:  # the largest, and the rest as one bar, on Chart data
        bars = [(n, a) for n, a in center_bars(allocation, currency) if n != UNATTRIBUTED]
        data.write_string(row, 0, clean_text(w("chart_by_cost_center")))
        for i, (name, amount) in enumerate(bars, start=1):
            data.write_string(row + i, 0, clean_text(name))
            data.write_number(row + i, 1, float(amount), money)
        categories = _ref(data.name, row + 1, 0, row + len(bars), 0)
        values = _ref(data.name, row + 1, 1, row + len(bars), 1)
        row += len(bars) + 2
    if centers > 0:
        chart = wb.add_chart({"type": "bar"})
        chart.add_series(
            {"name": w("chart_by_cost_center"), "categories": categories, "values": values}
        )
        chart.set_title({"name": f"{w('chart_by_cost_center')} ({currency})"})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        charts.append(chart)

    models = model_spend(allocation, currency)
    data.write_string(row, 0, clean_text(w("chart_by_model")))
    for i, (model, amount) in enumerate(models, start=1):
        data.write_string(row + i, 0, clean_text(model))
        data.write_number(row + i, 1, float(amount), money)
    if models:
        chart = wb.add_chart({"type": "bar"})
        chart.add_series(
            {
                "name": w("chart_by_model"),
                "categories": _ref(data.name, row + 1, 0, row + len(models), 0),
                "values": _ref(data.name, row + 1, 1, row + len(models), 1),
            }
        )
        chart.set_title({"name": f"{w('chart_by_model')} ({currency})"})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        charts.append(chart)
    row += len(models) + 2

    if alerts.history:
        names, months = trend_table(alerts, allocation, currency, f"{period} ({w('this_month')})")
        data.write_string(row, 0, clean_text(w("chart_trend")))
        for j, name in enumerate(names, start=1):
            data.write_string(row, j, clean_text(name))
        for i, (period, amounts) in enumerate(months, start=1):
            data.write_string(row + i, 0, period)
            for j, amount in enumerate(amounts, start=1):
                data.write_number(row + i, j, float(amount), money)
        chart = wb.add_chart({"type": "column", "subtype": "stacked"})
        for j in range(1, len(names) + 1):
            chart.add_series(
                {
                    "name": _ref(data.name, row, j, row, j),
                    "categories": _ref(data.name, row + 1, 0, row + len(months), 0),
                    "values": _ref(data.name, row + 1, j, row + len(months), j),
                }
            )
        chart.set_title({"name": f"{w('chart_trend')} ({currency})"})
        charts.append(chart)
        row += len(months) + 2

    budgets = [b for b in alerts.budgets if b.used_pct is not None]
    if budgets:
        data.write_string(row, 0, clean_text(w("chart_budget")))
        for i, b in enumerate(budgets, start=1):
            data.write_string(row + i, 0, clean_text(b.cost_center))
            data.write_number(row + i, 1, float(b.used_pct or Decimal(0)))
        chart = wb.add_chart({"type": "bar"})
        chart.add_series(
            {
                "name": w("chart_budget"),
                "categories": _ref(data.name, row + 1, 0, row + len(budgets), 0),
                "values": _ref(data.name, row + 1, 1, row + len(budgets), 1),
                "data_labels": {"value": True},
            }
        )
        chart.set_title({"name": w("chart_budget")})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        charts.append(chart)
    data.set_column(0, 0, 40)
    data.set_column(1, 12, 14)
    data.freeze_panes(1, 0)
    data.set_landscape()
    data.fit_to_pages(1, 0)

    for i, chart in enumerate(charts):
        chart.set_size({"width": WIDTH, "height": HEIGHT})
        summary.insert_chart(
            place.chart_row + (i // 2) * ROWS, 0, chart, {"x_offset": (i % 2) * (WIDTH + 20)}
        )
