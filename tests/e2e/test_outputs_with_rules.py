"""The accountant's outputs when a master list and a policy are in play: GL accounts in the
journal, the worklist of what to fix, coverage of tags only, and everything still adding up."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from chargeback.pipeline import RunResult
from chargeback.settings.rules import AllocationRules, CostCenter, Method, Policy, PolicyKind
from tests.support.accounting import find, header_columns, money
from tests.support.builders import cur2_row, tagged, write
from tests.support.runs import read_csv, run_rows


@pytest.fixture
def result(tmp_path: Path) -> RunResult:
    rows = [
        tagged("proj_a", "CC-A", 30.00),
        tagged("proj_b", "CC-B", 10.00),
        tagged("proj_x", "CC-TYPO", 0.40),
        tagged("default", None, 2.00),
        cur2_row(cost=4.00, line_item_line_item_type="Tax"),
    ]
    rules = AllocationRules(
        master=(CostCenter("CC-A", "Search", "ana", "6100"), CostCenter("CC-B")),
        policies={PolicyKind.TAX: Policy(Method.PROPORTIONAL)},
    )
    return run_rows(tmp_path, rows, rules)


def test_journal_debits_the_master_gl_account(result: RunResult) -> None:
    rows = read_csv(result.outputs["journal"])
    account = {r["cost_center"]: r["account"] for r in rows}
    assert account == {
        "CC-A": "6100",
        "CC-B": "6420-CLOUD-AI",
        "UNATTRIBUTED": "6420-CLOUD-AI",
        "": "2990-BEDROCK-CLEARING",
    }
    debit = {r["cost_center"]: r["debit"] for r in rows}
    # tax 4.00 shared 30:10 -> CC-A 3.00, CC-B 1.00; the typo and default project stay
    assert debit == {"CC-A": "33.00", "CC-B": "11.00", "UNATTRIBUTED": "2.40", "": ""}
    assert [r["credit"] for r in rows if not r["cost_center"]] == ["46.40"]


def _table(ws: Any, label: str) -> tuple[int, dict[str, int]]:
    head, _ = find(ws, label)
    return head, header_columns(ws, head)


def test_unattributed_sheet_worklist_and_reasons(result: RunResult) -> None:
    ws = openpyxl.load_workbook(result.outputs["workbook"], data_only=True)["Unattributed"]
    reasons = {}
    for reason in ("default_project", "invalid_cost_center", "no_resource", "allocated_by_policy"):
        r, c = find(ws, reason)
        reasons[reason] = money(ws.cell(r, c + 3).value)
    assert reasons == {
        "default_project": Decimal("2.00"),
        "invalid_cost_center": Decimal("0.40"),
        "no_resource": Decimal("4.00"),
        "allocated_by_policy": Decimal("-4.00"),
    }
    r, c = find(ws, "Total UNATTRIBUTED USD")
    assert money(ws.cell(r, c + 3).value) == Decimal("2.40")
    head, cols = _table(ws, "Account")
    work = {
        ws.cell(i, cols["Reason"]).value: (
            ws.cell(i, cols["Value found"]).value,
            money(ws.cell(i, cols["Amount"]).value),
        )
        for i in range(head + 1, head + 4)
    }
    assert work == {
        "no_resource": (None, Decimal("4.00")),
        "default_project": (None, Decimal("2.00")),
        "invalid_cost_center": ("CC-TYPO", Decimal("0.40")),
    }
    assert money(ws.cell(head + 4, cols["Amount"]).value) == Decimal("6.40")  # to tag or fix


def test_statement_shows_master_data_and_the_share(result: RunResult) -> None:
    wb = openpyxl.load_workbook(result.outputs["workbook"], data_only=True)
    ws = wb["CC-A"]
    block = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, 16)}
    assert (block["Name"], block["GL account"], block["Owner"]) == ("Search", "6100", "ana")
    head, cols = _table(ws, "Project")
    r, _ = find(ws, "allocated share of tax")
    assert money(ws.cell(r, cols["Amount"]).value) == Decimal("3.00")
    assert ws.cell(r, cols["Attributed by"]).value == "policy_proportional"
    r, _ = find(ws, "Total USD")
    assert money(ws.cell(r, cols["Amount"]).value) == Decimal("33.00")
    summary = wb["Summary"]
    head, cols = _table(summary, "Cost center")
    r, _ = find(summary, "CC-A")
    assert summary.cell(r, cols["GL account"]).value == "6100"
    assert money(summary.cell(r, cols["Tax"]).value) == Decimal("3.00")
    assert money(summary.cell(r, cols["Gross usage"]).value) == Decimal("30.00")
    r, _ = find(summary, "UNATTRIBUTED")
    assert money(summary.cell(r, cols["Tax"]).value) == Decimal("0.00")  # 4.00 moved out
    r, _ = find(summary, "Total USD")
    assert money(summary.cell(r, cols["Net charge"]).value) == Decimal("46.40")


def test_coverage_counts_tags_not_policy_shares(result: RunResult) -> None:
    ws = openpyxl.load_workbook(result.outputs["workbook"], data_only=True)["Tag coverage"]
    r, c = find(ws, "444455556666")
    assert money(ws.cell(r, c + 2).value) == Decimal("46.40")
    assert money(ws.cell(r, c + 3).value) == Decimal("40.00")  # the typo is not a valid code
    r, c = find_total(ws)
    assert money(ws.cell(r, c + 2).value) == Decimal("46.40")
    assert ws.cell(r, c + 5).value == pytest.approx(40.00 / 46.40)


def find_total(ws: Any) -> tuple[int, int]:
    return find(ws, "Total USD")


def test_last_month_comes_from_the_published_s3_run(s3: Any, tmp_path: Path, run_on: Any) -> None:
    """On S3 last month's charges come from its current.json; statements/ are uploaded."""
    s3.client.create_bucket(Bucket="finance-reports")
    write(
        tmp_path / "e" / "a.parquet",
        [
            cur2_row("2026-09", 30.00, resource_tags={"user_cost_center": "CC-A"}),
            cur2_row("2026-10", 36.60, resource_tags={"user_cost_center": "CC-A"}),
            cur2_row("2026-10", 1.00),
        ],
    )
    out = "s3://finance-reports/chargeback"
    run_on(tmp_path / "e", period="2026-09", out=out)
    result = run_on(tmp_path / "e", period="2026-10", out=out)
    assert result.info["previous_run"] == "s3://finance-reports/chargeback/2026-09/current.json"
    prefix = result.output_dir.removeprefix("s3://finance-reports/")
    keys = s3.keys("finance-reports", prefix)
    assert prefix + "statements/CC-A.xlsx" in keys and prefix + "journal-2026-10.csv" in keys
    ws = openpyxl.load_workbook(
        io.BytesIO(s3.body("finance-reports", prefix + "chargeback-2026-10.xlsx")), data_only=True
    )["Summary"]
    head, cols = _table(ws, "Cost center")
    r, _ = find(ws, "CC-A")
    assert money(ws.cell(r, cols["Last month"]).value) == Decimal("30.00")
    assert money(ws.cell(r, cols["Change"]).value) == Decimal("6.60")
