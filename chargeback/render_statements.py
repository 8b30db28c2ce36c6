"""``statements/<cost center>.xlsx`` and ``.csv``: each cost center's statement on its own,
to send to its owner, under a file name that is safe whatever the tag value is."""

from __future__ import annotations

from pathlib import Path

from .allocate import Allocation
from .errors import OutputError
from .render_csv import write_statement_csv
from .render_xlsx import RunHeader, cost_centers, write_statement_workbook
from .safety import safe_file_name
from .templates import WorkbookTemplate

STATEMENTS_DIR = "statements"


def write_statement_files(
    folder: Path, allocation: Allocation, header: RunHeader, template: WorkbookTemplate
) -> dict[str, str]:
    """Write every attributed cost center's statement; returns cost center -> the files'
    path without suffix, relative to the month's folder (``statements/<safe name>``)."""
    folder.mkdir(exist_ok=True)
    root = folder.resolve()
    used: set[str] = set()
    names: dict[str, str] = {}
    for name, centers in cost_centers(allocation).items():
        stem = safe_file_name(name, used)
        for suffix in (".xlsx", ".csv"):
            if (root / f"{stem}{suffix}").resolve().parent != root:
                raise OutputError(f"cost center {name!r} would be written outside {root}")
        write_statement_workbook(
            folder / f"{stem}.xlsx", name, centers, allocation, header, template
        )
        write_statement_csv(folder / f"{stem}.csv", header.period, centers, template)
        names[name] = f"{STATEMENTS_DIR}/{stem}"
    return names
