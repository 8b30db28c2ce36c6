"""A month with more cost centers than the consolidated workbook gives sheets to (issue 19):
the statements share one filtered sheet there, every cost center still gets its own files,
and every amount equals an independent DuckDB sum over the generated Parquet files."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from benchmarks.generate import Generated, generate
from chargeback.pipeline import run
from chargeback.report.xlsx.workbook import MAX_STATEMENT_SHEETS
from chargeback.results import RunResult
from chargeback.settings.model import Period, RunConfig
from tests.e2e.test_scale_generator import independent
from tests.support.accounting import find, header_columns, money
from tests.support.runs import read_csv

CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    root = tmp_path_factory.mktemp("many-cc") / "export"
    return generate(
        root, 24_000, seed=11, files=2, bedrock_share=0.5, cost_centers=1_300, batch_rows=6_000
    )


@pytest.fixture(scope="module")
def month(export: Generated, tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    out = tmp_path_factory.mktemp("many-cc-out")
    return run(RunConfig(source=str(export.root), period=Period.parse("2026-10"), out=str(out)))


def test_the_month_has_more_cost_centers_than_statement_sheets(
    export: Generated, month: RunResult
) -> None:
    expected = independent(export.files)
    attributed = {cc for _, cc in expected if cc != "UNATTRIBUTED"}
    assert len(attributed) > MAX_STATEMENT_SHEETS
    usd = month.allocation.totals[0]
    by_center = {c.cost_center: c for c in usd.cost_centers}
    assert set(by_center) == {cc for _, cc in expected}
    for (_, cc), (amount, n) in expected.items():
        assert by_center[cc].exact_amount == amount, cc
        assert abs(by_center[cc].amount - amount) <= CENT, cc
        assert sum(ln.line_items for ln in by_center[cc].lines) == n, cc


def test_consolidated_workbook_holds_every_statement_in_one_filtered_sheet(
    export: Generated, month: RunResult
) -> None:
    expected = independent(export.files)
    wb = openpyxl.load_workbook(month.outputs["workbook"])
    # one Statements sheet, not a sheet per cost center (the other sheets are the usual)
    assert "Statements" in wb.sheetnames
    assert not [n for n in wb.sheetnames if n.startswith("CC-")]
    assert len(wb.sheetnames) < 15
    assert wb.sheetnames.index("Statements") < wb.sheetnames.index("Unattributed")
    ws = wb["Statements"]
    head, _ = find(ws, "Cost center")
    cols = header_columns(ws, head)
    per_center: dict[str, Decimal] = defaultdict(Decimal)
    row = head + 1
    while not str(ws.cell(row, cols["Amount"]).value).startswith("="):
        center = ws.cell(row, cols["Cost center"]).value
        assert center, f"row {row} has no cost center"
        per_center[center] += money(ws.cell(row, cols["Amount"]).value)
        row += 1
    total_row = row
    assert ws.auto_filter.ref == f"A{head}:{ws.cell(row - 1, ws.max_column).column_letter}{row - 1}"
    attributed = {cc: a for (_, cc), (a, _) in expected.items() if cc != "UNATTRIBUTED"}
    assert set(per_center) == set(attributed)
    for cc, exact in attributed.items():
        assert abs(per_center[cc] - exact) <= CENT, cc
    # the currency's live total follows the filter (SUBTOTAL) over every line above it
    formula = ws.cell(total_row, cols["Amount"]).value
    letter = ws.cell(head, cols["Amount"]).column_letter
    assert formula == f"=SUBTOTAL(9,{letter}{head + 1}:{letter}{total_row - 1})"
    assert ws.cell(total_row, cols["Cost center"]).value == "Total USD"
    assert ws.max_row == total_row
    usd = month.allocation.totals[0]
    attributed_total = sum(c.amount for c in usd.cost_centers if not c.is_unattributed)
    assert sum(per_center.values()) == attributed_total


def test_every_cost_center_keeps_its_own_files(export: Generated, month: RunResult) -> None:
    expected = independent(export.files)
    folder = Path(month.output_dir) / "statements"
    csvs = sorted(folder.glob("*.csv"))
    books = sorted(folder.glob("*.xlsx"))
    attributed = {cc: a for (_, cc), (a, _) in expected.items() if cc != "UNATTRIBUTED"}
    assert len(csvs) == len(books) == len(attributed)
    assert {p.stem for p in csvs} == {p.stem for p in books}
    seen: dict[str, Decimal] = defaultdict(Decimal)
    for path in csvs:
        for r in read_csv(path):
            assert r["Cost center"] and r["Currency"] == "USD"
            seen[r["Cost center"]] += Decimal(r["Amount"])
    assert set(seen) == set(attributed)
    for cc, exact in attributed.items():
        assert abs(seen[cc] - exact) <= CENT, cc
    # one of the workbooks, read back: its statement is its own cost center's
    one = books[len(books) // 2]
    ws = openpyxl.load_workbook(one, read_only=True).worksheets[0]
    assert one.stem in [str(r[1]) for r in ws.iter_rows(max_row=4, values_only=True)]
