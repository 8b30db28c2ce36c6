"""statements/<cost center>.xlsx and .csv: one per cost center, safe names, right totals."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chargeback.report.safety import safe_file_name
from tests.support.accounting import EVIL, LONG, expected_by_center, find, month, write_month
from tests.support.runs import RunFn, read_csv

CENTERS = expected_by_center(month())


@pytest.fixture
def month_dir(tmp_path: Path, run_on: RunFn) -> Path:
    return Path(run_on(write_month(tmp_path / "export")).output_dir)


def test_one_pair_of_files_per_cost_center_with_safe_names(month_dir: Path) -> None:
    folder = month_dir / "statements"
    names = sorted(p.name for p in folder.iterdir())
    stems = {
        "CC-1001": "CC-1001",
        "cc-1001": "cc-1001-2",
        "CC-2002": "CC-2002",
        EVIL: "_HYPERLINK__http___x___y__",
        "../../etc": "______etc",
        "CON": "_CON",
        "a/b": "a_b",
        LONG: LONG,
    }
    assert names == sorted(f"{s}{ext}" for s in stems.values() for ext in (".csv", ".xlsx"))
    assert all(p.parent == folder for p in folder.rglob("*"))
    assert not (month_dir.parent.parent / "etc").exists()
    info = json.loads((month_dir / "run.json").read_text())
    assert info["statement_files"] == {k: f"statements/{v}" for k, v in stems.items()}


def test_each_file_adds_up_to_its_cost_center(month_dir: Path) -> None:
    info = json.loads((month_dir / "run.json").read_text())
    for name, stem in info["statement_files"].items():
        rows = read_csv(month_dir / f"{stem}.csv")
        assert sum(Decimal(r["Amount"]) for r in rows) == CENTERS[name], name
        assert {(r["Billing period"], r["Cost center"].removeprefix("'")) for r in rows} == {
            ("2026-10", name)
        }
        values = openpyxl.load_workbook(month_dir / f"{stem}.xlsx", data_only=True)
        (ws,) = values.worksheets
        assert ws["B3"].value == name
        r, c = find(ws, "Total USD")
        amount_col = [x.value for x in ws[find(ws, "Project")[0]]].index("Amount") + 1
        assert (
            Decimal(repr(ws.cell(r, amount_col).value)).quantize(Decimal("0.01")) == (CENTERS[name])
        )
        formulas = openpyxl.load_workbook(month_dir / f"{stem}.xlsx")
        assert formulas.worksheets[0].cell(r, amount_col).value.startswith("=SUBTOTAL(9,")


def test_untrusted_values_are_harmless_in_the_csv_files(month_dir: Path) -> None:
    evil = month_dir / "statements" / "_HYPERLINK__http___x___y__.xlsx"
    ws = openpyxl.load_workbook(evil).worksheets[0]
    assert ws["B3"].value == EVIL and ws["B3"].data_type == "s"
    summary = read_csv(month_dir / "chargeback-2026-10-summary.csv")
    assert "'" + EVIL in [r["cost_center"] for r in summary]
    journal = read_csv(month_dir / "journal-2026-10.csv")
    assert "'" + EVIL in [r["cost_center"] for r in journal]
    for path in month_dir.rglob("*.csv"):
        for row in read_csv(path):
            for value in row.values():
                assert not value.startswith(("=", "+", "@", "\t", "\r")), (path.name, value)


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("../../etc", "______etc"),
        ("..", "__"),
        (".hidden", "_hidden"),
        ("-rf", "_rf"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("lpt1", "_lpt1"),
        ("a/b\\c:d", "a_b_c_d"),
        ("  ", "__"),
        ("", "_"),
        ("x" * 200, "x" * 80),
        ("Équipe données", "Équipe données"),
    ],
)
def test_safe_file_name(name: str, stem: str) -> None:
    assert safe_file_name(name, set()) == stem


def test_safe_file_name_unique_without_regard_to_case() -> None:
    used: set[str] = set()
    assert [safe_file_name(n, used) for n in ("CC-1", "cc-1", "Cc-1", "cc-1-2")] == [
        "CC-1",
        "cc-1-2",
        "Cc-1-3",
        "cc-1-2-2",
    ]


@given(st.lists(st.text(max_size=40), max_size=8))
def test_safe_file_names_stay_in_their_folder(names: list[str]) -> None:
    used: set[str] = set()
    stems = [safe_file_name(n, used) for n in names]
    assert len({s.lower() for s in stems}) == len(stems)
    root = Path("/statements")
    for stem in stems:
        assert 1 <= len(stem) <= 80
        assert not stem.startswith((".", "-", " ")) and not stem.endswith((".", " "))
        assert "/" not in stem and "\\" not in stem and ".." not in stem
        assert (root / f"{stem}.csv").parent == root
