"""The workbook's native charts over the sample history (tests/support/history_months.py):
read back with openpyxl (each series' cells must hold the figures the rows give), and
drawn by LibreOffice's PDF export (skipped, with the reason, without LibreOffice or
poppler's pdftotext)."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from chargeback.results import RunResult
from tests.support.browser import PDFTOTEXT, SOFFICE, to_pdf
from tests.support.builders import tagged
from tests.support.history_months import BUDGETS, CANONICAL, MONTHS, publish_history, spent
from tests.support.runs import run_rows


@pytest.fixture(scope="module")
def october(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], RunResult]:
    rows, results = publish_history(tmp_path_factory.mktemp("history"))
    return rows, results["2026-10"]


def cells(book: Any, ref: str) -> list[Any]:
    sheet, _, area = ref.rpartition("!")
    ws = book[sheet.strip("'")]
    c1, r1, c2, r2 = range_boundaries(area.replace("$", ""))
    return [ws.cell(r, c).value for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def title(chart: Any) -> str:
    return str(chart.title.tx.rich.p[0].r[0].t)


def test_charts_read_back_with_the_months_figures(
    october: tuple[list[dict[str, Any]], RunResult],
) -> None:
    rows, result = october
    book = openpyxl.load_workbook(result.outputs["workbook"], data_only=True)
    charts = {title(c): c for c in book["Summary"]._charts}
    assert list(charts) == [
        "Spend by cost center (USD)",
        "Spend by model (USD)",
        "Spend by month (USD)",
        "Budget used (%)",
    ]
    by_center = charts["Spend by cost center (USD)"].series[0]
    names = cells(book, by_center.cat.strRef.f)
    assert names == list(BUDGETS)  # UNATTRIBUTED (none here) stays out of the bars
    values = cells(book, by_center.val.numRef.f)
    assert values == [float(spent(rows, "2026-10", cc)) for cc in names]

    by_model = charts["Spend by model (USD)"].series[0]
    models = dict(
        zip(cells(book, by_model.cat.strRef.f), cells(book, by_model.val.numRef.f), strict=True)
    )
    for model in ("Nova Pro", "Claude Sonnet 4.6"):
        expected = sum((spent(rows, "2026-10", cc, model) for cc in BUDGETS), Decimal(0))
        assert Decimal(str(models[CANONICAL[model]])) == expected

    trend = charts["Spend by month (USD)"]
    months = cells(book, trend.series[0].cat.strRef.f)
    assert months == ["2026-08", "2026-09", "2026-10 (this month)"]
    for series in trend.series:
        (cc,) = cells(book, series.tx.strRef.f)
        got = [Decimal(str(v)).quantize(Decimal("0.01")) for v in cells(book, series.val.numRef.f)]
        assert got == [spent(rows, m, cc) for m in MONTHS]

    used = charts["Budget used (%)"].series[0]
    got_used = dict(
        zip(cells(book, used.cat.strRef.f), cells(book, used.val.numRef.f), strict=True)
    )
    for cc, budget in BUDGETS.items():
        expected_pct = (spent(rows, "2026-10", cc) * 100 / budget).quantize(Decimal("0.01"))
        assert got_used[cc] == float(expected_pct)


@pytest.mark.skipif(
    SOFFICE is None or PDFTOTEXT is None,
    reason="LibreOffice (apt-get install libreoffice-calc-nogui) and pdftotext (apt-get install "
    "poppler-utils) draw the workbook's charts to PDF",
)
def test_libreoffice_draws_the_summary_charts(
    october: tuple[list[dict[str, Any]], RunResult], tmp_path: Path
) -> None:
    _, result = october
    assert PDFTOTEXT is not None
    pdf = to_pdf(Path(result.outputs["workbook"]), tmp_path)
    first_page = subprocess.run(
        [PDFTOTEXT, "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for text in (
        "Spend by cost center (USD)",
        "Spend by model (USD)",
        "Spend by month (USD)",
        "Budget used (%)",
        "2026-10 (this month)",
        "Claude Sonnet 4.6",
    ):
        assert text in first_page  # drawn on the Summary's page, with its axis labels


def test_many_cost_centers_chart_the_largest_and_the_rest_as_one_bar(tmp_path: Path) -> None:
    costs = {f"CC-{i:03d}": Decimal(i) + Decimal("0.25") for i in range(1, 31)}
    result = run_rows(tmp_path, [tagged(f"p{cc}", cc, float(a)) for cc, a in costs.items()])
    book = openpyxl.load_workbook(result.outputs["workbook"], data_only=True)
    (chart,) = [c for c in book["Summary"]._charts if title(c) == "Spend by cost center (USD)"]
    names = cells(book, chart.series[0].cat.strRef.f)
    values = cells(book, chart.series[0].val.numRef.f)
    largest = sorted(costs, key=lambda cc: -costs[cc])[:24]
    assert names == [*largest, "Other (6 cost centers)"]
    rest = sum((a for cc, a in costs.items() if cc not in largest), Decimal(0))
    assert values == [*(float(costs[cc]) for cc in largest), float(rest)]
    page = (Path(result.output_dir) / "report.html").read_text(encoding="utf-8")
    assert "Other (6 cost centers)" in page and f"{rest:,.2f} USD" in page
