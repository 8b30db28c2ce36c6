"""The workbook played by a real spreadsheet: LibreOffice headless recalculates every formula
on load, and the results must equal the values the tool stored (what viewers that do not
recalculate show). Skipped, with the reason, where LibreOffice is not installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from tests.support.accounting import money, write_month

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui "
    "to check the workbook's formulas in a real spreadsheet",
)

#: LibreOffice keeps the stored values of an .xlsx unless told to recalculate on load.
RECALCULATE_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def recalculate(files: list[Path], tmp: Path) -> list[Path]:
    """Open ``files`` in LibreOffice, recalculate, save as .xlsx; returns the saved copies."""
    profile = tmp / "lo-profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALCULATE_ON_LOAD)
    out = tmp / "recalculated"
    assert SOFFICE is not None
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    copies = [out / f.name for f in files]
    missing = [c.name for c in copies if not c.exists()]
    assert not missing, f"LibreOffice did not write {missing}"
    return copies


def formula_cells(path: Path) -> dict[tuple[str, str], Any]:
    """(sheet, cell) -> stored value, for every formula cell of the workbook."""
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    return {
        (ws.title, cell.coordinate): values[ws.title][cell.coordinate].value
        for ws in formulas.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    }


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    """A month's workbooks and a canary, through one LibreOffice run: original -> copy."""
    from chargeback.pipeline import run
    from chargeback.settings.model import Period, RunConfig
    from chargeback.settings.rules import AllocationRules, CostCenter, Method, Policy
    from chargeback.taxonomy import PolicyKind

    tmp = tmp_path_factory.mktemp("lo")
    source = write_month(tmp / "export")
    result = run(
        RunConfig(source=str(source), period=Period.parse("2026-10"), out=str(tmp / "out"))
    )
    month = Path(result.output_dir)
    canary = tmp / "canary.xlsx"
    wb = xlsxwriter.Workbook(str(canary))
    ws = wb.add_worksheet()
    ws.write_number(0, 0, 1.25)
    ws.write_number(1, 0, 2.5)
    ws.write_formula(2, 0, "=SUM(A1:A2)", None, 99)  # stored with a wrong value on purpose
    wb.close()
    rules = AllocationRules(
        master=(CostCenter("CC-1001", "Search", "ana", "6100"), CostCenter("CC-2002")),
        policies={PolicyKind.TAX: Policy(Method.PROPORTIONAL)},
    )
    with_rules = run(
        RunConfig(
            source=str(source),
            period=Period.parse("2026-10"),
            out=str(tmp / "out-rules"),
            rules=rules,
        )
    )
    ruled = Path(with_rules.outputs["workbook"])
    renamed = ruled.with_name("with-rules.xlsx")
    ruled.rename(renamed)
    files = [
        canary,
        Path(result.outputs["workbook"]),
        renamed,
        *sorted((month / "statements").glob("*.xlsx")),
    ]
    return dict(zip(files, recalculate(files, tmp), strict=True))


def test_libreoffice_recalculates_on_load(played: dict[Path, Path]) -> None:
    """The canary comes back right, so the comparison below really compares recalculated
    values with stored ones."""
    (copy,) = [c for o, c in played.items() if o.name == "canary.xlsx"]
    assert openpyxl.load_workbook(copy, data_only=True).active["A3"].value == 3.75


def test_recalculated_totals_equal_the_stored_ones(played: dict[Path, Path]) -> None:
    checked = 0
    workbooks = {o: c for o, c in played.items() if o.name != "canary.xlsx"}
    assert len(workbooks) == 10  # two workbooks (with and without rules), 8 statements
    for original, copy in workbooks.items():
        stored = formula_cells(original)
        recalculated = openpyxl.load_workbook(copy, data_only=True)
        assert recalculated.sheetnames == openpyxl.load_workbook(original).sheetnames
        for (sheet, coordinate), value in stored.items():
            again = recalculated[sheet][coordinate].value
            assert isinstance(again, int | float), (original.name, sheet, coordinate, again)
            assert money(again) == money(value), (original.name, sheet, coordinate)
            assert again == pytest.approx(value, abs=1e-9), (original.name, sheet, coordinate)
            checked += 1
    assert checked > 60
