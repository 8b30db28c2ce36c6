"""The consolidated workbook read back with openpyxl, cell by cell: every total, formula,
format and sheet name, against figures computed here from the rows the test wrote.

Most tests read the accountant's month of tests/support/accounting.py; the last few a small
export whose sub-cent amounts show the stored values are rounded sums, kept as numbers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from chargeback.results import RunResult
from tests.support.accounting import (
    EVIL,
    LONG,
    PRINCIPAL,
    expected_by_center,
    find,
    find_all,
    header_columns,
    money,
    month,
    range_rows,
    write_month,
)
from tests.support.builders import cur2_row, tagged, write
from tests.support.runs import RunFn

CENTERS = expected_by_center(month())
TOTAL = sum(CENTERS.values(), Decimal(0))


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    from chargeback.pipeline import run
    from chargeback.settings.model import Period, RunConfig

    tmp = tmp_path_factory.mktemp("wb")
    source = write_month(tmp / "export")
    return run(RunConfig(source=str(source), period=Period.parse("2026-10"), out=str(tmp / "out")))


@pytest.fixture(scope="module")
def books(result: RunResult) -> tuple[Any, Any]:
    path = result.outputs["workbook"]
    return openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)


def test_figures_of_the_fixture() -> None:
    assert TOTAL == Decimal("100.00")
    assert CENTERS["CC-1001"] == Decimal("36.60")
    assert CENTERS["UNATTRIBUTED"] == Decimal("7.23")


def test_sheet_names_follow_excel_rules_and_stay_unique(books: tuple[Any, Any]) -> None:
    names = books[0].sheetnames
    assert names[:3] == ["Summary", "Alerts", "Chart data"]
    assert names[-4:] == ["Unattributed", "Reconciliation", "Tag coverage", "Unit economics"]
    statements = names[3:-4]
    assert len(statements) == len(CENTERS) - 1  # every cost center but UNATTRIBUTED
    for name in names:
        assert 1 <= len(name) <= 31
        assert not set(name) & set("[]:*?/\\")
        assert not name.startswith("'") and not name.endswith("'")
    assert len({n.lower() for n in names}) == len(names)
    assert "CC-1001" in statements and "cc-1001 (2)" in statements
    assert LONG[:31] in statements
    assert "a_b" in statements and ".._.._etc" in statements


def _statement_sheet(books: tuple[Any, Any], cost_center: str) -> tuple[Any, Any]:
    formulas, values = books
    for name in formulas.sheetnames[1:-3]:
        if values[name]["B3"].value == cost_center:
            return formulas[name], values[name]
    raise AssertionError(f"no statement sheet for {cost_center!r}")


def test_summary_rows_and_total(books: tuple[Any, Any]) -> None:
    formulas, values = books[0]["Summary"], books[1]["Summary"]
    head, _ = find(values, "Cost center")
    cols = header_columns(values, head)
    assert list(cols)[:4] == ["Cost center", "Owner", "Team", "Currency"]
    for name, amount in CENTERS.items():
        ((r, c),) = find_all(values, name)
        assert c == cols["Cost center"]
        assert money(values.cell(r, cols["Net charge"]).value) == amount
        assert values.cell(r, cols["Cost center"]).data_type == "s"
    r, _ = find(values, "CC-1001")
    split = {
        k: money(values.cell(r, cols[k]).value)
        for k in ("Gross usage", "Fees and other", "Credits", "Refunds", "Discounts", "Tax")
    }
    assert split == {
        "Gross usage": Decimal("37.05"),
        "Fees and other": Decimal("0.30"),
        "Credits": Decimal("-1.00"),
        "Refunds": Decimal("-0.40"),
        "Discounts": Decimal("-0.25"),
        "Tax": Decimal("0.90"),
    }
    assert sum(split.values()) == CENTERS["CC-1001"]
    assert values.cell(r, cols["Owner"]).value == "alice"
    r_total, _ = find(values, "Total USD")
    assert r_total == head + len(CENTERS) + 1
    assert find(values, "UNATTRIBUTED")[0] == r_total - 1  # UNATTRIBUTED last
    net = formulas.cell(r_total, cols["Net charge"]).value
    assert (
        net == f"=SUM({_col(cols['Net charge'])}{head + 1}:{_col(cols['Net charge'])}{r_total - 1})"
    )
    assert money(values.cell(r_total, cols["Net charge"]).value) == TOTAL
    assert money(values.cell(r_total, cols["Share %"]).value) == Decimal("100.00")
    for label in ("Gross usage", "Credits", "Tax"):
        assert formulas.cell(r_total, cols[label]).value.startswith("=SUM(")
    assert "Last month" not in cols  # no previous run in the output folder
    fmt = values.cell(r_total, cols["Net charge"]).number_format
    assert '"USD"' in fmt and "#,##0.00" in fmt


def _col(n: int) -> str:
    return str(openpyxl.utils.get_column_letter(n))


def test_every_statement_adds_up_and_all_add_up_to_the_reconciliation(
    books: tuple[Any, Any],
) -> None:
    formulas_book, values_book = books
    statement_totals = Decimal(0)
    for name, amount in CENTERS.items():
        if name == "UNATTRIBUTED":
            continue
        formulas, values = _statement_sheet(books, name)
        head, _ = find(values, "Project")
        amount_col = header_columns(values, head)["Amount"]
        lines = Decimal(0)
        for r in range(head + 1, values.max_row + 1):
            formula = formulas.cell(r, amount_col).value
            stored = values.cell(r, amount_col).value
            if isinstance(formula, str) and formula.startswith("=SUBTOTAL(9,"):
                first, last, col = range_rows(formula)
                assert col == _col(amount_col)
                inside = [
                    money(values.cell(i, amount_col).value)
                    for i in range(first, last + 1)
                    if not str(formulas.cell(i, amount_col).value).startswith("=")
                ]
                assert money(stored) == sum(inside, Decimal(0)), (name, r)
            elif stored is not None:
                lines += money(stored)
                assert values.cell(r, amount_col).number_format.count("USD") == 2
        total_row, _ = find(values, "Total USD")
        assert money(values.cell(total_row, amount_col).value) == amount == lines
        first, last, _ = range_rows(formulas.cell(total_row, amount_col).value)
        assert (first, last) == (head + 1, total_row - 1)
        statement_totals += amount
    values = values_book["Reconciliation"]
    r, c = find(values, "Export Bedrock total")
    assert money(values.cell(r, c + 2).value) == TOTAL
    assert money(values.cell(r + 1, c + 2).value) == statement_totals
    assert money(values.cell(r + 2, c + 2).value) == CENTERS["UNATTRIBUTED"]
    assert statement_totals + CENTERS["UNATTRIBUTED"] == TOTAL
    assert values.cell(r + 3, c).value == "Difference"
    assert values.cell(r + 3, c + 2).value == 0
    assert formulas_book["Reconciliation"].cell(r + 3, c + 2).value.startswith("=C")


def test_statement_groups_project_then_model_and_usage(books: tuple[Any, Any]) -> None:
    _, values = _statement_sheet(books, "CC-1001")
    head, _ = find(values, "Project")
    cols = header_columns(values, head)
    rows = [
        (
            values.cell(r, cols["Project"]).value,
            values.cell(r, cols["Usage"]).value,
            money(values.cell(r, cols["Amount"]).value),
        )
        for r in range(head + 1, values.max_row + 1)
    ]
    assert rows == [
        ("proj_batch", "Batch input", Decimal("3.00")),
        ("Subtotal proj_batch", None, Decimal("3.00")),
        ("proj_chat", "Input tokens", Decimal("10.25")),
        ("proj_chat", "Output tokens", Decimal("20.50")),
        ("proj_chat", "Cache read", Decimal("1.10")),
        ("proj_chat", "Cache write", Decimal("2.20")),
        ("proj_chat", "Not usage (tax, credit, fee...)", Decimal("-1.00")),
        ("proj_chat", "Not usage (tax, credit, fee...)", Decimal("-0.25")),
        ("proj_chat", "Not usage (tax, credit, fee...)", Decimal("0.30")),
        ("proj_chat", "Not usage (tax, credit, fee...)", Decimal("-0.40")),
        ("proj_chat", "Not usage (tax, credit, fee...)", Decimal("0.90")),
        ("Subtotal proj_chat", None, Decimal("33.60")),
        ("Total USD", None, Decimal("36.60")),
    ]
    r = head + 3
    assert values.cell(r, cols["Quantity"]).value == pytest.approx(1000.5)
    assert values.cell(r, cols["Unit"]).value == "1K tokens"


def test_statement_header_block(books: tuple[Any, Any]) -> None:
    _, values = _statement_sheet(books, "CC-1001")
    block = {values.cell(r, 1).value: values.cell(r, 2).value for r in range(2, 16)}
    assert block["Billing period"] == "2026-10"
    assert block["Cost center"] == "CC-1001"
    assert block["Currency"] == "USD"
    assert block["Invoice ids"] == "INV-1"
    assert block["Owner"] == "alice"
    assert block["Tool version"]
    assert block["Generated at"].startswith("20")
    assert block["Run reference"].startswith("bedrock-chargeback-2026-10-")
    assert "export" in block["Source export"]
    assert (
        values["A1"].value == "Example Corp: Amazon Bedrock chargeback statement 2026-10, CC-1001"
    )


def test_layout_frozen_filtered_printable(books: tuple[Any, Any]) -> None:
    for ws in books[0].worksheets:
        assert ws.freeze_panes is not None and ws.freeze_panes.startswith("A"), ws.title
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (1, None) and ws.page_setup.fitToHeight == 0
        assert ws.column_dimensions["A"].width >= 10
    for name in ("Summary", "CC-1001"):
        ws = books[0][name]
        head, _ = find(ws, "Cost center" if name == "Summary" else "Project")
        total, _ = find(ws, "Total USD")
        assert ws.freeze_panes == f"A{head + 1}"
        last = _col(max(header_columns(ws, head).values()))
        assert ws.auto_filter.ref == f"A{head}:{last}{total - 1}"  # the total stays out
        assert ws.print_title_rows == f"${head}:${head}"
    filtered = {
        "Unattributed": "Account",
        "Reconciliation": "Line item type",
        "Tag coverage": "Project",
    }
    for name, label in filtered.items():
        ws = books[0][name]
        head, _ = find(ws, label)
        assert ws.auto_filter.ref.startswith(f"A{head}:"), name


def test_unattributed_by_reason_and_worklist(books: tuple[Any, Any]) -> None:
    formulas, values = books[0]["Unattributed"], books[1]["Unattributed"]
    reasons = {}
    for reason in ("default_project", "untagged", "no_resource"):
        r, c = find(values, reason)
        reasons[reason] = money(values.cell(r, c + 3).value)
    assert reasons == {
        "default_project": Decimal("4.00"),
        "untagged": Decimal("3.00"),
        "no_resource": Decimal("0.23"),
    }
    r, c = find(values, "Total UNATTRIBUTED USD")
    assert money(values.cell(r, c + 3).value) == CENTERS["UNATTRIBUTED"]
    assert formulas.cell(r, c + 3).value.startswith("=SUM(")
    head, _ = find(values, "IAM principal")
    cols = header_columns(values, head)
    first = [values.cell(head + 1, cols[k]).value for k in ("Account", "IAM principal", "Reason")]
    assert first == ["444455556666", PRINCIPAL, "default_project"]
    amounts = [money(values.cell(head + i, cols["Amount"]).value) for i in range(1, 4)]
    assert amounts == [Decimal("4.00"), Decimal("3.00"), Decimal("0.23")]  # tax + credit
    assert "proj_untagged" in values.cell(head + 2, cols["Resource"]).value
    assert values.cell(head + 3, cols["Line items"]).value == 2
    assert formulas.cell(head + 4, cols["Amount"]).value.startswith("=SUM(")
    total = money(values.cell(head + 4, cols["Amount"]).value)
    assert total == CENTERS["UNATTRIBUTED"]


def test_reconciliation_by_type_invoice_and_files(books: tuple[Any, Any]) -> None:
    values = books[1]["Reconciliation"]
    by_type: dict[str, Decimal] = {}
    for row in month():
        t = row["line_item_line_item_type"]
        by_type[t] = by_type.get(t, Decimal(0)) + Decimal(repr(row["line_item_unblended_cost"]))
    for t, amount in by_type.items():
        r, c = find(values, t)
        assert money(values.cell(r, c + 2).value) == amount, t
    r, c = find(values, "INV-1")
    assert money(values.cell(r, c + 3).value) == TOTAL
    r, c = find(values, "Input file")
    assert values.cell(r + 1, c).value.endswith("x-00001.snappy.parquet")
    assert values.cell(r + 1, c + 1).value == len(month())
    assert values.cell(r + 1, c + 3).value == len(month())


def test_tag_coverage(books: tuple[Any, Any]) -> None:
    formulas, values = books[0]["Tag coverage"], books[1]["Tag coverage"]
    r, c = find(values, "777788889999")
    assert money(values.cell(r, c + 2).value) == Decimal("50.00")
    assert values.cell(r, c + 5).value == pytest.approx(1.0)
    r, c = find(values, "444455556666")
    spend = TOTAL - Decimal("50.00")
    attributed = spend - CENTERS["UNATTRIBUTED"]
    assert money(values.cell(r, c + 2).value) == spend
    assert money(values.cell(r, c + 3).value) == attributed
    assert values.cell(r, c + 5).value == pytest.approx(float(attributed / spend))
    assert formulas.cell(r, c + 5).value.startswith("=IF(")
    assert "%" in values.cell(r, c + 5).number_format
    r, c = find(values, "default")
    assert values.cell(r, c + 5).value == 0


def test_untrusted_text_is_never_a_formula(books: tuple[Any, Any]) -> None:
    formulas, _ = books
    hits = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and "HYPERLINK" in cell.value:
                    assert cell.data_type == "s", (ws.title, cell.coordinate)
                    hits += 1
    assert hits >= 3  # summary row, statement header, sheet title
    assert EVIL in [formulas["Summary"].cell(r, 1).value for r in range(1, 40)]


def test_summary_compares_with_last_month_when_its_run_is_in_the_output_folder(
    tmp_path: Path, run_on: RunFn
) -> None:
    september = [
        cur2_row("2026-09", 30.00, resource_tags={"user_cost_center": "CC-1001"}),
        cur2_row("2026-09", 5.00, resource_tags={"user_cost_center": "CC-OLD"}),
        cur2_row("2026-09", 1.00),
    ]
    write(tmp_path / "export" / "sep.parquet", september)
    write_month(tmp_path / "export")
    out = tmp_path / "out"
    run_on(tmp_path / "export", period="2026-09", out=out)
    result = run_on(tmp_path / "export", period="2026-10", out=out)
    assert result.previous_run == str(out / "2026-09" / "run.json")
    values = openpyxl.load_workbook(result.outputs["workbook"], data_only=True)["Summary"]
    head, _ = find(values, "Cost center")
    cols = header_columns(values, head)

    def row_of(name: str) -> dict[str, Decimal]:
        r, _ = find(values, name)
        return {
            k: money(values.cell(r, cols[k]).value) for k in ("Net charge", "Last month", "Change")
        }

    assert row_of("CC-1001") == {
        "Net charge": Decimal("36.60"),
        "Last month": Decimal("30.00"),
        "Change": Decimal("6.60"),
    }
    assert row_of("CC-OLD") == {
        "Net charge": Decimal("0.00"),
        "Last month": Decimal("5.00"),
        "Change": Decimal("-5.00"),
    }
    assert row_of("CC-2002")["Last month"] == Decimal("0.00")
    assert row_of("Total USD") == {
        "Net charge": TOTAL,
        "Last month": Decimal("36.00"),
        "Change": TOTAL - Decimal("36.00"),
    }


def test_worklist_leaves_out_the_principal_when_the_export_has_none(
    tmp_path: Path, run_on: RunFn
) -> None:
    rows = [r for r in month() if "line_item_iam_principal" not in r]
    write_month(tmp_path / "export", rows)
    ws = openpyxl.load_workbook(run_on(tmp_path / "export").outputs["workbook"])["Unattributed"]
    head, _ = find(ws, "Account")
    assert "IAM principal" not in header_columns(ws, head)
    assert "Resource" in header_columns(ws, head)


def test_each_currency_has_its_own_totals(tmp_path: Path, run_on: RunFn) -> None:
    rows = [
        cur2_row(cost=5.00, resource_tags={"user_cost_center": "CC-1"}),
        cur2_row(
            cost=2.10, line_item_currency_code="EUR", resource_tags={"user_cost_center": "CC-1"}
        ),
        cur2_row(cost=7.25, line_item_currency_code="EUR"),
    ]
    write(tmp_path / "e" / "a.parquet", rows)
    path = run_on(tmp_path / "e").outputs["workbook"]
    values = openpyxl.load_workbook(path, data_only=True)
    ws = values["CC-1"]
    assert ws["B4"].value == "EUR, USD"
    amount_col = header_columns(ws, find(ws, "Project")[0])["Amount"]
    for label, expected in (("Total EUR", "2.10"), ("Total USD", "5.00")):
        r, _ = find(ws, label)
        assert money(ws.cell(r, amount_col).value) == Decimal(expected)
        assert '"' + label[-3:] + '"' in ws.cell(r, amount_col).number_format
    summary = values["Summary"]
    net = header_columns(summary, find(summary, "Cost center")[0])["Net charge"]
    r, _ = find(summary, "Total EUR")
    assert money(summary.cell(r, net).value) == Decimal("9.35")
    rec = values["Reconciliation"]
    totals = find_all(rec, "Export Bedrock total")
    assert [money(rec.cell(r, c + 2).value) for r, c in totals] == [
        Decimal("9.35"),
        Decimal("5.00"),
    ]
    assert [rec.cell(r + 3, c + 2).value for r, c in totals] == [0, 0]


def test_control_characters_show_as_escapes(tmp_path: Path, run_on: RunFn) -> None:
    write_month(
        tmp_path / "export",
        [cur2_row(cost=1.0, resource_tags={"user_cost_center": "CC\x07-1\x1b"})],
    )
    result = run_on(tmp_path / "export")
    values = openpyxl.load_workbook(result.outputs["workbook"], data_only=True)
    assert find(values["Summary"], "CC\\x07-1\\x1b")[1] == 1
    assert "CC_-1_" in values.sheetnames
    statement = openpyxl.load_workbook(Path(result.output_dir) / "statements" / "CC_-1_.xlsx")
    assert statement.worksheets[0]["B3"].value == "CC\\x07-1\\x1b"


def test_cost_centers_named_like_the_fixed_sheets_get_their_own(
    tmp_path: Path, run_on: RunFn
) -> None:
    names = ["Summary", "history", "Reconciliation"]
    rows = [
        cur2_row(cost=1.0 + i, resource_tags={"user_cost_center": n}) for i, n in enumerate(names)
    ]
    write_month(tmp_path / "export", rows)
    values = openpyxl.load_workbook(run_on(tmp_path / "export").outputs["workbook"], data_only=True)
    assert values.sheetnames == [
        "Summary",
        "Alerts",
        "Chart data",
        "Reconciliation (2)",
        "Summary (2)",
        "history (2)",
        "Unattributed",
        "Reconciliation",
        "Tag coverage",
        "Unit economics",
    ]
    for title, name in (("Summary (2)", "Summary"), ("history (2)", "history")):
        assert values[title]["B3"].value == name


# -- a small export: sub-cent amounts summed before rounding, numbers stored as numbers -------


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


def test_reconciliation_difference_is_zero(workbook_path: Path) -> None:
    ws = openpyxl.load_workbook(workbook_path, data_only=True)["Reconciliation"]
    r, c = find(ws, "Export Bedrock total")
    total = Decimal(str(ws.cell(r, c + 2).value))
    attributed = Decimal(str(ws.cell(r + 1, c + 2).value))
    unattributed = Decimal(str(ws.cell(r + 2, c + 2).value))
    assert (total, attributed, unattributed) == (Decimal("13.01"), Decimal("11.01"), Decimal("2.0"))
    assert ws.cell(r + 3, c).value == "Difference"
    assert ws.cell(r + 3, c + 2).value == 0
