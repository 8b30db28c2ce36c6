"""The alert lines as the terminal and SNS get them: worst first, escaped, within limits."""

from __future__ import annotations

from decimal import Decimal

from chargeback.frontends.cli_text import alerts_text
from chargeback.publish.alerts_topic import SUBJECT_LIMIT, alert_message
from chargeback.report.alerts import month_alerts
from chargeback.report.anomalies import Anomaly, AnomalyCheck
from chargeback.report.budgets import BudgetLine

D = Decimal


def budget(cc: str, spent: str, limit: str, flag: str, projected: str | None = None) -> BudgetLine:
    used = (D(spent) * 100 / D(limit)).quantize(D("0.01"))
    return BudgetLine(cc, "USD", D(limit), D(spent), D(limit) - D(spent), used, _d(projected), flag)


def test_alerts_are_listed_worst_first_then_by_amount() -> None:
    anomaly = Anomaly("CC-9", "Nova Pro", "USD", D("900.00"), False, D("100.00"), 3, D("9.00"))
    check = AnomalyCheck(("2026-09", "2026-08", "2026-07"), True, "compared", (anomaly,))
    found = month_alerts(
        [
            budget("CC-1", "90.00", "100.00", "near_budget"),
            budget("CC-2", "50.00", "100.00", "projected_over_budget", "150.00"),
            budget("CC-3", "120.00", "100.00", "over_budget"),
            budget("CC-4", "130.00", "100.00", "over_budget"),
            budget("CC-5", "10.00", "100.00", ""),
        ],
        check,
    )
    assert [(a.kind, a.cost_center) for a in found.alerts] == [
        ("over_budget", "CC-4"),
        ("over_budget", "CC-3"),
        ("projected_over_budget", "CC-2"),
        ("near_budget", "CC-1"),
        ("above_median", "CC-9"),
    ]
    assert found.alerts[2].message == (
        "CC-2 projected over budget: spent 50.00 of 100.00 USD (50.00% used), "
        "on course for 150.00 this month"
    )
    assert found.alerts[4].message == (
        "CC-9 on Nova Pro spent 900.00 USD, 9.00 times the median of the previous 3 month(s) "
        "(100.00 USD)"
    )


def test_terminal_lines_escape_control_characters() -> None:
    hostile = "CC-\x1b[31mred\u202e"
    found = month_alerts([budget(hostile, "120.00", "100.00", "over_budget")], _none())
    (head, line) = alerts_text(found)
    assert head == "Alerts (1):"
    assert "\x1b" not in line and "\u202e" not in line
    assert line.startswith("  ! CC-\\x1b[31mred\\u202e over budget: spent 120.00")
    assert alerts_text(month_alerts([], _none())) == [] and alerts_text(None) == []


def test_sns_subject_is_short_printable_ascii() -> None:
    subject, body = alert_message("2026-10", ["CC-1 over budget", "CC-2 near budget"], "s3://b/p/")
    assert subject == "Bedrock chargeback 2026-10: 2 alert(s)"
    assert body.splitlines() == [
        subject,
        "",
        "- CC-1 over budget",
        "- CC-2 near budget",
        "",
        "Statements: s3://b/p/",
    ]
    assert len(subject) <= SUBJECT_LIMIT and subject.isascii()


def _none() -> AnomalyCheck:
    return AnomalyCheck((), False, "not enough history", ())


def _d(text: str | None) -> Decimal | None:
    return None if text is None else D(text)
