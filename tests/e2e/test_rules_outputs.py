"""Rules and policies as the outputs show them: workbook cell by cell, CSV text, run.json."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from chargeback.pipeline import RunResult
from chargeback.settings.rules import AllocationRules, CostCenter, Method, Policy, PolicyKind
from tests.support.builders import cur2_row, tagged
from tests.support.runs import lines, read_csv, run_rows

HOSTILE = '=HYPERLINK("http://x","y")'


@pytest.fixture
def result(tmp_path: Path) -> RunResult:
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


def test_statement_sheet_shows_the_share_line(result: RunResult) -> None:
    wb = openpyxl.load_workbook(result.outputs["workbook"], data_only=True)
    share = row_of(wb["CC-A"], "Description", "allocated share of tax")
    assert share["Amount"] == pytest.approx(3.00)
    assert share["Attributed by"] == "policy_proportional"
    assert share["Value found"] == "75%"
    tagged_line = row_of(wb["CC-B"], "Project", "proj_b")
    assert (tagged_line["Attributed by"], tagged_line["Value found"]) == ("resource_tag", "cc-b")
    assert tagged_line["Amount"] == pytest.approx(10.00)


def test_unattributed_sheet_explains_invalid_codes_and_the_split(result: RunResult) -> None:
    ws = openpyxl.load_workbook(result.outputs["workbook"], data_only=True)["Unattributed"]
    invalid = row_of(ws, "Reason", "invalid_cost_center")
    assert invalid["Amount"] == pytest.approx(0.40)
    assert "master list" in invalid["Meaning"]
    moved = row_of(ws, "Reason", "allocated_by_policy")
    assert moved["Amount"] == pytest.approx(-4.00)
    hostile = row_of(ws, "Value found", HOSTILE)
    assert hostile["Amount"] == pytest.approx(0.40)
    wb = openpyxl.load_workbook(result.outputs["workbook"])
    for row in wb["Unattributed"].iter_rows():
        for cell in row:
            if cell.value == HOSTILE:
                assert cell.data_type == "s"


def test_lines_csv_disarms_a_hostile_value_found(result: RunResult) -> None:
    values = {r["attribution_value"] for r in lines(result) if r["project_id"] == "proj_h"}
    assert values == {"'" + HOSTILE}


def test_run_json_records_rules_splits_and_codes_to_fix(result: RunResult) -> None:
    info = json.loads(Path(result.outputs["run"]).read_text(encoding="utf-8"))
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


def test_master_list_names_gl_accounts_and_owners_on_outputs(result: RunResult) -> None:
    summary = {r["cost_center"]: r for r in read_csv(result.outputs["summary"])}
    a = summary["CC-A"]
    assert (a["cost_center_name"], a["gl_account"], a["cost_center_owner"]) == (
        "Search",
        "6100",
        "ana",
    )
    assert (a["amount"], summary["CC-B"]["amount"]) == ("33.00", "11.00")
    assert summary["UNATTRIBUTED"]["gl_account"] == ""
    ws = openpyxl.load_workbook(result.outputs["workbook"])["CC-A"]
    header = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, 16)}
    assert (header["Name"], header["GL account"], header["Owner"]) == ("Search", "6100", "ana")
