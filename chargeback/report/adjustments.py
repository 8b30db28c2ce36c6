"""The files of an adjustment set (issue 18): what changed in a closed month, and the journal
that books the difference in an open period.

``adjustment-summary.csv``  per currency and cost center: closed, restated, adjustment
``adjustment-lines.csv``    per changed statement line and cost center: the change (added,
                            removed, amount changed, moved), amounts before and after, and
                            the attribution before and after
``adjustment-journal.csv``  per currency, one line per cost center whose charge changed and
                            one to the clearing account: balanced to the cent, dated on the
                            last day of the posting period, each line referencing the closed
                            run and the adjustment

Values from the export (cost centers, tags) are CSV text cells (``safety.csv_text``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from chargeback.allocate.restatement import KEY_FIELDS, Restatement
from chargeback.report.journal import JournalLine
from chargeback.report.safety import csv_text
from chargeback.report.templates import JournalTemplate, fill
from chargeback.settings.model import Period

SUMMARY = "adjustment-summary.csv"
LINES = "adjustment-lines.csv"
JOURNAL = "adjustment-journal.csv"
SUMMARY_COLUMNS = ("currency", "cost_center", "closed", "restated", "adjustment")
LINE_COLUMNS = (
    "change",
    "currency",
    "cost_center",
    "amount_before",
    "amount_after",
    "adjustment",
    "attribution_before",
    "attribution_after",
    *KEY_FIELDS[1:],
)


@dataclass(frozen=True)
class AdjustmentRef:
    """What the adjustment's journal lines reference."""

    period: Period
    post_period: Period
    closed_run: str
    adjustment_id: str

    @property
    def reference(self) -> str:
        return f"{self.closed_run} / {self.adjustment_id}"


def write_adjustment_csvs(folder: Path, restatement: Restatement) -> None:
    _write(
        folder / SUMMARY,
        SUMMARY_COLUMNS,
        [
            [c.currency, csv_text(c.cost_center), _money(c.closed), _money(c.restated)]
            + [_money(c.adjustment)]
            for c in restatement.centers
        ],
    )
    rows = []
    for ch in restatement.changes:
        rows.append(
            [ch.change, ch.currency, csv_text(ch.cost_center)]
            + [_money(ch.before), _money(ch.after), _money(ch.delta)]
            + [csv_text(ch.attribution_before), csv_text(ch.attribution_after)]
            + [csv_text(v) for v in ch.key[1:]]
        )
    _write(folder / LINES, LINE_COLUMNS, rows)


def adjustment_journal_lines(
    restatement: Restatement,
    ref: AdjustmentRef,
    template: JournalTemplate,
    account_of: Callable[[str], str | None],
    company: str = "",
) -> list[JournalLine]:
    """Per currency: each cost center's adjustment (debit when it pays more, credit when
    less) and the opposite to the clearing account, so each currency balances to zero."""
    lines = []
    note = f" (adjustment {ref.adjustment_id} to closed run {ref.closed_run})"
    for currency in restatement.currencies():
        total = Decimal(0)
        for c in restatement.centers:
            if c.currency != currency or c.adjustment == 0:
                continue
            name = (
                template.unattributed_cost_center
                if c.cost_center == "UNATTRIBUTED"
                else c.cost_center
            )
            text = fill(
                template.debit_description, period=ref.period, cost_center=name, company=company
            )
            account = account_of(c.cost_center) or template.expense_account
            lines.append(JournalLine(account, name, text + note, currency, c.adjustment))
            total += c.adjustment
        if total != 0 or any(ln.currency == currency for ln in lines):
            text = fill(
                template.credit_description, period=ref.period, cost_center="", company=company
            )
            lines.append(JournalLine(template.clearing_account, "", text + note, currency, -total))
    return lines


def write_adjustment_journal(
    path: Path, lines: Sequence[JournalLine], ref: AdjustmentRef, template: JournalTemplate
) -> None:
    posting_date = (ref.post_period.end - timedelta(days=1)).isoformat()
    rows = []
    for line in lines:
        values = {
            "date": posting_date,
            "period": str(ref.post_period),
            "account": csv_text(line.account),
            "cost_center": csv_text(line.cost_center),
            "description": csv_text(line.description),
            "debit": f"{line.amount:.2f}" if line.amount > 0 else "",
            "credit": f"{-line.amount:.2f}" if line.amount < 0 else "",
            "currency": line.currency,
            "reference": csv_text(ref.reference),
        }
        rows.append([values[c] for c in template.columns])
    _write(path, [csv_text(template.labels.get(c, c)) for c in template.columns], rows)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _write(path: Path, header: Sequence[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
