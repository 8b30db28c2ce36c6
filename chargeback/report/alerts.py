"""What a cost-center owner should look at this month, worst first: over budget, projected
over budget, near budget, then spend above its usual level (``budgets``, ``anomalies``).

One ``Alert`` per finding, with the figures that triggered it and one line of text; the
Alerts sheet, ``report.html``, the terminal, the Lambda's log line and its SNS message all
show these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from chargeback.report.anomalies import Anomaly, AnomalyCheck, DayAnomaly
from chargeback.report.budgets import NEAR_BUDGET, OVER_BUDGET, PROJECTED_OVER, BudgetLine
from chargeback.run_record import PublishedMonth

ABOVE_MEDIAN = "above_median"
DAY_ABOVE_MEDIAN = "day_above_median"
#: Alert kinds, in the order they are listed.
KINDS = (OVER_BUDGET, PROJECTED_OVER, NEAR_BUDGET, ABOVE_MEDIAN, DAY_ABOVE_MEDIAN)


@dataclass(frozen=True)
class Alert:
    kind: str
    cost_center: str
    #: "" for the cost center as a whole.
    model: str
    currency: str
    #: This month's charge (for ``above_median`` while the month is under way: projected).
    amount: Decimal
    #: The budget, or the median of the previous months.
    reference: Decimal
    #: The projection, for budget alerts of a month under way.
    projected: Decimal | None
    message: str


@dataclass(frozen=True)
class MonthAlerts:
    """A run's budget lines, anomaly check and the alerts they raise."""

    budgets: tuple[BudgetLine, ...]
    anomalies: AnomalyCheck
    alerts: tuple[Alert, ...]
    #: The previous months published to the same output, newest first (the trend).
    history: tuple[PublishedMonth, ...] = ()

    def trend(
        self, currency: str, current: dict[str, Decimal]
    ) -> list[tuple[str, dict[str, Decimal]]]:
        """(period, cost center -> charge) oldest first, this month (``""``) last."""
        months = [
            (m.period, {cc: a for (cc, cur), a in m.amounts.items() if cur == currency})
            for m in reversed(self.history)
        ]
        return [*months, ("", dict(current))]


def _budget_alert(b: BudgetLine) -> Alert:
    used = "" if b.used_pct is None else f" ({b.used_pct}% used)"
    if b.flag == OVER_BUDGET:
        text = f"over budget: spent {b.spent:,} of {b.budget:,} {b.currency}{used}"
    elif b.flag == PROJECTED_OVER:
        text = (
            f"projected over budget: spent {b.spent:,} of {b.budget:,} {b.currency}{used}, "
            f"on course for {b.projected:,} this month"
        )
    else:
        text = f"near budget: spent {b.spent:,} of {b.budget:,} {b.currency}{used}"
    return Alert(
        b.flag,
        b.cost_center,
        "",
        b.currency,
        b.spent,
        b.budget,
        b.projected,
        f"{b.cost_center} {text}",
    )


def _anomaly_alert(a: Anomaly) -> Alert:
    what = a.cost_center if not a.model else f"{a.cost_center} on {a.model}"
    spent = "on course for" if a.projected else "spent"
    text = (
        f"{what} {spent} {a.amount:,} {a.currency}, {a.ratio} times the median of the "
        f"previous {a.months} month(s) ({a.median:,} {a.currency})"
    )
    return Alert(ABOVE_MEDIAN, a.cost_center, a.model, a.currency, a.amount, a.median, None, text)


def _day_alert(d: DayAnomaly) -> Alert:
    text = (
        f"{d.cost_center} spent {d.amount:,} {d.currency} on {d.day}, {d.ratio} times the "
        f"median of its other {d.days} day(s) with spend this month ({d.median:,} {d.currency})"
    )
    return Alert(DAY_ABOVE_MEDIAN, d.cost_center, "", d.currency, d.amount, d.median, None, text)


def month_alerts(
    budgets: Sequence[BudgetLine],
    anomalies: AnomalyCheck,
    history: Sequence[PublishedMonth] = (),
) -> MonthAlerts:
    found = [_budget_alert(b) for b in budgets if b.flag]
    found += [_anomaly_alert(a) for a in anomalies.flags]
    found += [_day_alert(d) for d in anomalies.days]
    order = {k: i for i, k in enumerate(KINDS)}
    found.sort(key=lambda a: (order[a.kind], -a.amount, a.cost_center, a.model))
    return MonthAlerts(tuple(budgets), anomalies, tuple(found), tuple(history))
