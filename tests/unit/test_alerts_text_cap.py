"""The terminal prints the first alerts of a month with many, and says how many more."""

from __future__ import annotations

from decimal import Decimal

from chargeback.frontends.cli_text import TERMINAL_ALERTS, alerts_text
from chargeback.report.alerts import Alert, MonthAlerts
from chargeback.report.anomalies import AnomalyCheck


def test_only_the_first_alerts_are_printed_and_the_rest_counted() -> None:
    n = TERMINAL_ALERTS + 7
    alerts = tuple(
        Alert(
            "over_budget", f"CC-{i:04}", "", "USD", Decimal(i), Decimal(1), None, f"CC-{i:04} over"
        )
        for i in range(n)
    )
    month = MonthAlerts((), AnomalyCheck((), False, "not enough history", ()), alerts)
    lines = alerts_text(month)
    assert lines[0] == f"Alerts ({n}):"
    assert lines[1:-1] == [f"  ! CC-{i:04} over" for i in range(TERMINAL_ALERTS)]
    assert lines[-1] == "  ... and 7 more: see the workbook's Alerts sheet or run.json"


def test_a_month_with_few_alerts_prints_them_all() -> None:
    alerts = tuple(
        Alert("over_budget", f"CC-{i}", "", "USD", Decimal(i), Decimal(1), None, f"CC-{i} over")
        for i in range(3)
    )
    lines = alerts_text(MonthAlerts((), AnomalyCheck((), False, "", ()), alerts))
    assert lines == ["Alerts (3):", "  ! CC-0 over", "  ! CC-1 over", "  ! CC-2 over"]
