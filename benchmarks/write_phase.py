"""The write phase alone: every output file of a month from one allocation, timed in-process.

Reads and allocates the export once, then writes the month's outputs (consolidated workbook,
CSVs, journal, every cost center's .xlsx and .csv) ``--repeat`` times into fresh folders:
per repeat the CPU seconds of the work in one process (``--threads 1``: robust on a shared,
loaded machine) and the wall seconds with the writer processes (``--threads``, default all
cores). Prints medians; writes nothing tracked.

    python benchmarks/write_phase.py benchmarks/data/cur-1m --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

if not __package__:  # run as a script: import from this checkout, its queries too
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.checkout import use_checkout

    use_checkout(Path(__file__).resolve().parents[1])

from chargeback import __version__  # noqa: E402
from chargeback.allocate.money import exact_arithmetic  # noqa: E402
from chargeback.pipeline import output_names, read_and_allocate  # noqa: E402
from chargeback.report.alerts import month_alerts  # noqa: E402
from chargeback.report.anomalies import check_anomalies  # noqa: E402
from chargeback.report.budgets import budget_lines  # noqa: E402
from chargeback.report.header import RunHeader  # noqa: E402
from chargeback.report.outputs import output_jobs  # noqa: E402
from chargeback.report.statement_files import plan_statement_files  # noqa: E402
from chargeback.report.templates import load_templates  # noqa: E402
from chargeback.report.workers import available_cpus, run_jobs  # noqa: E402
from chargeback.settings.model import Period, RunConfig  # noqa: E402


@exact_arithmetic
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source")
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=available_cpus())
    args = parser.parse_args(argv)
    period = Period.parse(args.period)
    config = RunConfig(source=args.source, period=period, out="unused")
    _source, _schema, allocation = read_and_allocate(config, lambda _p: None)
    templates = load_templates(None)
    header = RunHeader(
        period=str(period),
        source=args.source,
        cost_measure=allocation.measure_applied,
        generated_at=datetime.now(UTC).isoformat(),
        version=__version__,
        invoice_ids=(),
        run_id="bench",
        status="final",
        status_reasons=(),
    )
    names = output_names(str(period))
    now = datetime.now(UTC)
    alerts = month_alerts(
        budget_lines(allocation, period, now, config.alerts),
        check_anomalies(allocation, [], config.alerts, None),
    )
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(args.repeat):
        for threads, into in ((1, cpu), (args.threads, wall)):
            with tempfile.TemporaryDirectory() as tmp:
                stage = Path(tmp)
                statements = plan_statement_files(stage / names["statements"], allocation)
                jobs = output_jobs(
                    stage, names, allocation, header, templates, None, statements, period, alerts
                )
                c0, w0 = time.process_time(), time.perf_counter()
                run_jobs(jobs, threads)
                into.append(time.process_time() - c0 if threads == 1 else time.perf_counter() - w0)
    shown = {k: ", ".join(f"{x:.2f}" for x in v) for k, v in (("cpu", cpu), ("wall", wall))}
    print(
        f"{len(allocation.lines):,} statement lines, {len(statements):,} cost centers' files: "
        f"CPU s in one process {statistics.median(cpu):.2f} ({shown['cpu']}); "
        f"wall s with {args.threads} writers {statistics.median(wall):.2f} ({shown['wall']})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
