"""journal-YYYY-MM.csv: one debit per cost center, one credit to clearing, balanced to zero."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.support.accounting import expected_by_center, line, month, write_month
from tests.support.builders import cur2_row, write
from tests.support.runs import RunFn, read_csv

HEADER = [
    "date",
    "period",
    "account",
    "cost_center",
    "description",
    "debit",
    "credit",
    "currency",
    "reference",
]


def amount(row: dict[str, str]) -> Decimal:
    return Decimal(row["debit"] or "0") - Decimal(row["credit"] or "0")


def test_journal_debits_each_cost_center_and_credits_clearing(
    tmp_path: Path, run_on: RunFn
) -> None:
    result = run_on(write_month(tmp_path / "export"))
    path = Path(result.outputs["journal"])
    assert path.name == "journal-2026-10.csv"
    assert path.read_text().splitlines()[0].split(",") == HEADER
    rows = read_csv(path)
    expected = expected_by_center(month())
    debits = {r["cost_center"].removeprefix("'"): amount(r) for r in rows if r["cost_center"]}
    assert debits == expected
    (clearing,) = [r for r in rows if not r["cost_center"]]
    assert clearing["account"] == "2990-BEDROCK-CLEARING"
    assert clearing["credit"] == "100.00" and clearing["debit"] == ""
    assert sum((amount(r) for r in rows), Decimal(0)) == 0
    assert {r["account"] for r in rows if r["cost_center"]} == {"6420-CLOUD-AI"}
    assert {r["date"] for r in rows} == {"2026-10-31"}
    assert {r["period"] for r in rows} == {"2026-10"}
    assert {r["reference"] for r in rows} == {result.run_id}
    cc = next(r for r in rows if r["cost_center"] == "CC-1001")
    assert cc["description"] == "Amazon Bedrock chargeback 2026-10: CC-1001"
    assert cc["debit"] == "36.60" and cc["credit"] == ""


def test_negative_charges_go_to_the_credit_side(tmp_path: Path, run_on: RunFn) -> None:
    rows = [
        line("CC-1", 5.00),
        line("CC-2", 1.00),
        line("CC-2", -3.50, kind="", item_type="Credit"),
    ]
    write_month(tmp_path / "export", rows)
    journal = read_csv(Path(run_on(tmp_path / "export").outputs["journal"]))
    by_center = {r["cost_center"]: (r["debit"], r["credit"]) for r in journal}
    assert by_center == {"CC-1": ("5.00", ""), "CC-2": ("", "2.50"), "": ("", "2.50")}


def test_one_balanced_block_per_currency(tmp_path: Path, run_on: RunFn) -> None:
    rows = [
        line("CC-1", 5.00),
        cur2_row(cost=7.25, line_item_currency_code="EUR", resource_tags={}),
        line("CC-1", 2.10, line_item_currency_code="EUR"),
    ]
    write(tmp_path / "e" / "a.parquet", rows)
    journal = read_csv(Path(run_on(tmp_path / "e").outputs["journal"]))
    for currency, total in (("EUR", Decimal("9.35")), ("USD", Decimal("5.00"))):
        mine = [r for r in journal if r["currency"] == currency]
        assert sum((amount(r) for r in mine), Decimal(0)) == 0
        assert [r["credit"] for r in mine if not r["cost_center"]] == [f"{total}"]
