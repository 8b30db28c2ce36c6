"""``statements/<cost center>.xlsx`` and ``.csv``: each cost center's statement on its own,
to send to its owner, under a file name that is safe whatever the tag value is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chargeback.allocate.allocation import Allocation
from chargeback.allocate.statements import CostCenterTotal
from chargeback.errors import OutputError
from chargeback.report.csv_files import write_statement_csv
from chargeback.report.header import RunHeader
from chargeback.report.safety import TakenNames, safe_file_name
from chargeback.report.templates import WorkbookTemplate
from chargeback.report.views import cost_centers
from chargeback.report.xlsx.workbook import write_statement_workbook

STATEMENTS_DIR = "statements"


@dataclass(frozen=True)
class StatementFile:
    """One cost center's pair of files: ``folder/<stem>.xlsx`` and ``.csv``."""

    name: str
    stem: str
    centers: Sequence[CostCenterTotal]

    @property
    def lines(self) -> int:
        return sum(len(c.lines) for c in self.centers)

    @property
    def relative(self) -> str:
        """The files' path without suffix, relative to the month's folder."""
        return f"{STATEMENTS_DIR}/{self.stem}"


def plan_statement_files(folder: Path, allocation: Allocation) -> list[StatementFile]:
    """Every attributed cost center's statement files, named safely and uniquely (in the
    order of the cost centers, so names do not depend on how the files are written)."""
    folder.mkdir(exist_ok=True)
    root = folder.resolve()
    used = TakenNames()
    planned = []
    for name, centers in cost_centers(allocation).items():
        stem = safe_file_name(name, used)
        for suffix in (".xlsx", ".csv"):
            if (root / f"{stem}{suffix}").resolve().parent != root:
                raise OutputError(f"cost center {name!r} would be written outside {root}")
        planned.append(StatementFile(name, stem, centers))
    return planned


def write_statement_file(
    folder: Path,
    statement: StatementFile,
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
) -> None:
    write_statement_workbook(
        folder / f"{statement.stem}.xlsx",
        statement.name,
        statement.centers,
        allocation,
        header,
        template,
    )
    period = header.period if header.status == "final" else f"{header.period} PROVISIONAL"
    write_statement_csv(folder / f"{statement.stem}.csv", period, statement.centers, template)
