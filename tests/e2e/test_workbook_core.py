"""The workbook read back with openpyxl: sheets, numbers, formats, stored totals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.support.accounting import find
from tests.support.builders import cur2_row, tagged, write
from tests.support.runs import RunFn


@pytest.fixture
def workbook_path(tmp_path: Path, run_on: RunFn) -> Path:
    rows = [
        tagged("p1", "CC-1001", 10.005),
        tagged("p2", "CC-1001", 0.004),
        tagged("p3", '=HYPERLINK("http://x","y")', 1.0),
        tagged("default", None, 2.5),
        cur2_row(cost=-0.5, line_item_line_item_type="Credit"),
    ]
    write(tmp_path / "e" / "a.parquet", rows)
    return Path(run_on(tmp_path / "e").outputs["workbook"])


def test_sheets(workbook_path: Path) -> None:
    wb = openpyxl.load_workbook(workbook_path)
    assert wb.sheetnames[0] == "Summary"
    assert {"CC-1001", "Unattributed", "Reconciliation"} <= set(wb.sheetnames)
    assert all(len(name) <= 31 for name in wb.sheetnames)
    assert not any(set(name) & set("[]:*?/\\") for name in wb.sheetnames)


def test_summary_amounts_are_numbers_with_a_currency_format(workbook_path: Path) -> None:
    wb = openpyxl.load_workbook(workbook_path, data_only=True)
    ws = wb["Summary"]
    _, net = find(ws, "Net charge")
    r, _ = find(ws, "CC-1001")
    amount = ws.cell(r, net)
    assert amount.value == pytest.approx(10.01)
    assert isinstance(amount.value, float)
    assert "0.00" in amount.number_format and "USD" in amount.number_format
    r, _ = find(ws, "UNATTRIBUTED")
    assert ws.cell(r, net).value == pytest.approx(2.0)
    r, _ = find(ws, "Total USD")
    assert ws.cell(r, net).value == pytest.approx(13.01)  # stored value of the formula


def test_totals_are_live_formulas(workbook_path: Path) -> None:
    ws = openpyxl.load_workbook(workbook_path)["Summary"]
    _, net = find(ws, "Net charge")
    r, _ = find(ws, "Total USD")
    formula = ws.cell(r, net).value
    assert isinstance(formula, str) and formula.startswith("=SUM(")


def test_untrusted_tag_value_is_text_not_a_formula(workbook_path: Path) -> None:
    wb = openpyxl.load_workbook(workbook_path)
    ws = wb["Summary"]
    r, c = find(ws, '=HYPERLINK("http://x","y")')
    assert ws.cell(r, c).data_type == "s"


def test_reconciliation_difference_is_zero(workbook_path: Path) -> None:
    ws = openpyxl.load_workbook(workbook_path, data_only=True)["Reconciliation"]
    r, c = find(ws, "Export Bedrock total")
    total = Decimal(str(ws.cell(r, c + 2).value))
    attributed = Decimal(str(ws.cell(r + 1, c + 2).value))
    unattributed = Decimal(str(ws.cell(r + 2, c + 2).value))
    assert (total, attributed, unattributed) == (Decimal("13.01"), Decimal("11.01"), Decimal("2.0"))
    assert ws.cell(r + 3, c).value == "Difference"
    assert ws.cell(r + 3, c + 2).value == 0
