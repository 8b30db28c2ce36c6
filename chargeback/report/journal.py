"""``journal-YYYY-MM.csv``: the month's chargeback as a general-ledger journal.

Per currency: one debit line per cost center (UNATTRIBUTED included, under the cost center
the template names) to its GL account from the cost-center master list, else the template's
expense account, and one credit line to the clearing account for
the export's Bedrock total, so the journal balances to exactly zero. A negative charge (a
cost center whose credits exceed its usage) is written on the other side, never as a
negative debit. Accounts, wording and columns come from ``report_templates/journal.toml``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from chargeback.allocate.allocation import Allocation
from chargeback.report.safety import csv_text
from chargeback.report.templates import JournalTemplate, fill
from chargeback.settings.model import Period


@dataclass(frozen=True)
class JournalLine:
    account: str
    cost_center: str
    description: str
    currency: str
    #: Positive: debit; negative: credit.
    amount: Decimal


def journal_lines(
    allocation: Allocation,
    period: Period,
    template: JournalTemplate,
    company: str = "",
    provisional: bool = False,
) -> list[JournalLine]:
    """The journal's lines; ``provisional``: each description starts ``PROVISIONAL:``."""
    mark = "PROVISIONAL: " if provisional else ""
    lines = []
    for totals in allocation.totals:
        for cc in totals.cost_centers:
            name = template.unattributed_cost_center if cc.is_unattributed else cc.cost_center
            text = mark + fill(
                template.debit_description, period=period, cost_center=name, company=company
            )
            entry = allocation.master_entry(cc.cost_center)
            account = entry.gl_account if entry and entry.gl_account else template.expense_account
            lines.append(JournalLine(account, name, text, cc.currency, cc.amount))
        text = mark + fill(
            template.credit_description, period=period, cost_center="", company=company
        )
        lines.append(
            JournalLine(template.clearing_account, "", text, totals.currency, -totals.total)
        )
    return lines


def write_journal(
    path: Path,
    allocation: Allocation,
    period: Period,
    template: JournalTemplate,
    reference: str,
    company: str = "",
    provisional: bool = False,
) -> None:
    posting_date = (period.end - timedelta(days=1)).isoformat()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([csv_text(template.labels.get(c, c)) for c in template.columns])
        for line in journal_lines(allocation, period, template, company, provisional):
            values = {
                "date": posting_date,
                "period": str(period),
                "account": csv_text(line.account),
                "cost_center": csv_text(line.cost_center),
                "description": csv_text(line.description),
                "debit": f"{abs(line.amount):.2f}" if line.amount >= 0 else "",
                "credit": f"{-line.amount:.2f}" if line.amount < 0 else "",
                "currency": line.currency,
                "reference": csv_text(reference),
            }
            writer.writerow([values[c] for c in template.columns])
