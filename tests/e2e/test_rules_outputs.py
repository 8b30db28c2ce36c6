"""Rules and policies as the outputs show them: workbook cell by cell, CSV text, run.json,
and the accountant's outputs when a master list and a policy are in play (GL accounts in the
journal, the worklist of what to fix, coverage of tags only), everything still adding up.

Two small months: one whose invalid cost center is a formula (``hostile_result``) and one
with a typo'd code and default-project usage (``typo_result``)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from chargeback.results import RunResult
from chargeback.settings.rules import AllocationRules, CostCenter, Method, Policy
from chargeback.taxonomy import PolicyKind
from tests.support.accounting import find, money, table_header
from tests.support.builders import cur2_row, tagged
from tests.support.runs import lines, read_csv, run_rows

HOSTILE = '=HYPERLINK("http://x","y")'


@pytest.fixture
def hostile_result(tmp_path: Path) -> RunResult:
    rows = [
        tagged("proj_a", "CC-A", 30.00),
        tagged("proj_b", "cc-b", 10.00),
        tagged("proj_h", HOSTILE, 0.40),
        cur2_row(cost=4.00, line_item_line_item_type="Tax"),
    ]
    rules = AllocationRules(
        master=(CostCenter("CC-A", "Search", "ana", "6100"), CostCenter("CC-B")),
        policies={PolicyKind.TAX: Policy(Method.PROPORTIONAL)},
    )
    return run_rows(tmp_path, rows, rules)


def row_of(ws: Any, column_label: str, value: str) -> dict[str, Any]:
    """The table row whose ``column_label`` cell holds ``value``, as label -> cell value."""
    for header in ws.iter_rows():
        labels = [c.value for c in header]
        if column_label in labels:
            col = labels.index(column_label)
            for row in ws.iter_rows(min_row=header[0].row + 1):
                if row[col].value == value:
                    return {lbl: cell.value for lbl, cell in zip(labels, row, strict=False) if lbl}
    raise AssertionError(f"no row with {column_label} = {value!r} on {ws.title}")


def test_statement_sheet_shows_the_share_line(hostile_result: RunResult) -> None:
    wb = openpyxl.load_workbook(hostile_result.outputs["workbook"], data_only=True)
    share = row_of(wb["CC-A"], "Description", "allocated share of tax")
    assert share["Amount"] == pytest.approx(3.00)
    assert share["Attributed by"] == "policy_proportional"
    assert share["Value found"] == "75%"
    tagged_line = row_of(wb["CC-B"], "Project", "proj_b")
    assert (tagged_line["Attributed by"], tagged_line["Value found"]) == ("resource_tag", "cc-b")
    assert tagged_line["Amount"] == pytest.approx(10.00)


def test_unattributed_sheet_explains_invalid_codes_and_the_split(hostile_result: RunResult) -> None:
    ws = openpyxl.load_workbook(hostile_result.outputs["workbook"], data_only=True)["Unattributed"]
    invalid = row_of(ws, "Reason", "invalid_cost_center")
    assert invalid["Amount"] == pytest.approx(0.40)
    assert "master list" in invalid["Meaning"]
    moved = row_of(ws, "Reason", "allocated_by_policy")
    assert moved["Amount"] == pytest.approx(-4.00)
    hostile = row_of(ws, "Value found", HOSTILE)
    assert hostile["Amount"] == pytest.approx(0.40)
    wb = openpyxl.load_workbook(hostile_result.outputs["workbook"])
    for row in wb["Unattributed"].iter_rows():
        for cell in row:
            if cell.value == HOSTILE:
                assert cell.data_type == "s"


def test_lines_csv_disarms_a_hostile_value_found(hostile_result: RunResult) -> None:
    values = {r["attribution_value"] for r in lines(hostile_result) if r["project_id"] == "proj_h"}
    assert values == {"'" + HOSTILE}


def test_run_json_records_rules_splits_and_codes_to_fix(hostile_result: RunResult) -> None:
    info = json.loads(Path(hostile_result.outputs["run"]).read_text(encoding="utf-8"))
    block = info["attribution"]
    assert block["policies"] == {"tax": "proportional"}
    assert block["invalid_cost_centers"] == [
        {"value": HOSTILE, "reason": "invalid_cost_center", "currency": "USD", "amount": "0.40"}
    ]
    [split] = block["splits"]
    assert split["pool_exact"] == "4"
    assert {k: Decimal(v) for k, v in split["shares_exact"].items()} == {
        "CC-A": Decimal("3"),
        "CC-B": Decimal("1"),
    }
    coverage = {(c["outcome"], c["source"]): c["amount"] for c in block["coverage"]}
    assert coverage == {
        ("attributed", "resource_tag"): "40.00",
        ("split", "policy_proportional"): "4.00",
        ("unattributed", "allocated_by_policy"): "-4.00",
        ("unattributed", "invalid_cost_center"): "0.40",
        ("unattributed", "no_resource"): "4.00",
    }


def test_master_list_names_gl_accounts_and_owners_on_outputs(hostile_result: RunResult) -> None:
    summary = {r["cost_center"]: r for r in read_csv(hostile_result.outputs["summary"])}
    a = summary["CC-A"]
    assert (a["cost_center_name"], a["gl_account"], a["cost_center_owner"]) == (
        "Search",
        "6100",
        "ana",
    )
    assert (a["amount"], summary["CC-B"]["amount"]) == ("33.00", "11.00")
    assert summary["UNATTRIBUTED"]["gl_account"] == ""
    ws = openpyxl.load_workbook(hostile_result.outputs["workbook"])["CC-A"]
    header = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, 16)}
    assert (header["Name"], header["GL account"], header["Owner"]) == ("Search", "6100", "ana")


# -- a typo'd code, the default project and a tax split ----------------------------------------


@pytest.fixture
def typo_result(tmp_path: Path) -> RunResult:
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


def test_journal_debits_the_master_gl_account(typo_result: RunResult) -> None:
    rows = read_csv(typo_result.outputs["journal"])
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


def test_unattributed_sheet_worklist_and_reasons(typo_result: RunResult) -> None:
    ws = openpyxl.load_workbook(typo_result.outputs["workbook"], data_only=True)["Unattributed"]
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
    head, cols = table_header(ws, "Account")
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


def test_statement_shows_master_data_and_the_share(typo_result: RunResult) -> None:
    wb = openpyxl.load_workbook(typo_result.outputs["workbook"], data_only=True)
    ws = wb["CC-A"]
    block = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, 16)}
    assert (block["Name"], block["GL account"], block["Owner"]) == ("Search", "6100", "ana")
    head, cols = table_header(ws, "Project")
    r, _ = find(ws, "allocated share of tax")
    assert money(ws.cell(r, cols["Amount"]).value) == Decimal("3.00")
    assert ws.cell(r, cols["Attributed by"]).value == "policy_proportional"
    r, _ = find(ws, "Total USD")
    assert money(ws.cell(r, cols["Amount"]).value) == Decimal("33.00")
    summary = wb["Summary"]
    head, cols = table_header(summary, "Cost center")
    r, _ = find(summary, "CC-A")
    assert summary.cell(r, cols["GL account"]).value == "6100"
    assert money(summary.cell(r, cols["Tax"]).value) == Decimal("3.00")
    assert money(summary.cell(r, cols["Gross usage"]).value) == Decimal("30.00")
    r, _ = find(summary, "UNATTRIBUTED")
    assert money(summary.cell(r, cols["Tax"]).value) == Decimal("0.00")  # 4.00 moved out
    r, _ = find(summary, "Total USD")
    assert money(summary.cell(r, cols["Net charge"]).value) == Decimal("46.40")


def test_coverage_counts_tags_not_policy_shares(typo_result: RunResult) -> None:
    ws = openpyxl.load_workbook(typo_result.outputs["workbook"], data_only=True)["Tag coverage"]
    r, c = find(ws, "444455556666")
    assert money(ws.cell(r, c + 2).value) == Decimal("46.40")
    assert money(ws.cell(r, c + 3).value) == Decimal("40.00")  # the typo is not a valid code
    r, c = find_total(ws)
    assert money(ws.cell(r, c + 2).value) == Decimal("46.40")
    assert ws.cell(r, c + 5).value == pytest.approx(40.00 / 46.40)


def find_total(ws: Any) -> tuple[int, int]:
    return find(ws, "Total USD")
