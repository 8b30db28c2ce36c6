"""The files of one month's statement set (all but ``run.json``) as independent jobs, so
``workers.run_jobs`` can write them side by side."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from chargeback.allocate.allocation import Allocation
from chargeback.report.alerts import MonthAlerts
from chargeback.report.csv_files import write_lines, write_summary, write_unit_economics
from chargeback.report.header import RunHeader
from chargeback.report.html.page import write_report
from chargeback.report.journal import write_journal
from chargeback.report.previous import PreviousRun
from chargeback.report.statement_files import StatementFile, write_statement_file
from chargeback.report.templates import Templates
from chargeback.report.workers import Job
from chargeback.report.xlsx.workbook import write_workbook
from chargeback.settings.model import Period


def output_jobs(
    stage: Path,
    names: dict[str, str],
    allocation: Allocation,
    header: RunHeader,
    templates: Templates,
    previous: PreviousRun | None,
    statements: list[StatementFile],
    period: Period,
    alerts: MonthAlerts,
) -> list[Job]:
    """Every file of the set but run.json, as jobs for ``run_jobs``, weighed by statement
    lines: each job's cost per line relative to the consolidated workbook's, plus a fixed
    cost per statement file (as measured: benchmarks/RESULTS.md, "Writer job weights")."""
    # Where the write phase stands (issue 19, benchmarks/RESULTS.md "third pass"): each
    # statement row is rendered to XML once when written (``kit.write_record``), so what is
    # left per line is Python's loop over its cells, each line written twice (here and in
    # the cost center's own file); per file, ~1.4 ms of XlsxWriter's fixed parts and the
    # file's creation. The jobs' weights below follow their measured cost per line.
    lines = max(len(allocation.lines), 1)

    def csv_files() -> None:
        write_summary(stage / names["summary"], header.period, allocation, previous)
        write_lines(stage / names["lines"], header.period, allocation)
        write_unit_economics(stage / names["unit_economics"], header.period, allocation)
        write_journal(
            stage / names["journal"],
            allocation,
            period,
            templates.journal,
            header.run_id,
            templates.workbook.company,
            provisional=header.status != "final",
        )

    folder = stage / names["statements"]
    return [
        (
            float(lines),
            partial(
                write_workbook,
                stage / names["workbook"],
                allocation,
                header,
                templates.workbook,
                previous,
                alerts=alerts,
            ),
        ),
        (0.3 * lines, csv_files),  # measured: ~0.3 of the workbook per line
        (
            0.02 * lines + 30,
            partial(
                write_report,
                stage / names["report"],
                allocation,
                header,
                templates.workbook,
                alerts,
            ),
        ),
        *(
            (
                1.3 * s.lines + 30,
                partial(write_statement_file, folder, s, allocation, header, templates.workbook),
            )
            for s in statements
        ),
    ]
