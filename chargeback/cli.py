"""The command line: parse options, call ``run()``, print results, map errors to exit codes.

Data (where the statements are, the totals) goes to stdout; progress and errors to stderr.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .config import DEFAULT_STATEMENT_TAGS, CostMeasure, Period, RunConfig
from .errors import ChargebackError, ExitCode
from .run import RunResult, run
from .safety import terminal_text

app = typer.Typer(
    name="chargeback",
    help="Monthly Amazon Bedrock chargeback statements from AWS Data Exports (CUR 2.0).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _main() -> None:
    """Monthly Amazon Bedrock chargeback statements from AWS Data Exports (CUR 2.0)."""


@app.command("run")
def run_command(
    source: Annotated[
        str,
        typer.Argument(
            help="Export root (holding data/ and metadata/), a folder of Parquet files, "
            "or s3://bucket/prefix/export-name.",
            envvar="CHARGEBACK_SOURCE",
        ),
    ],
    period: Annotated[
        str, typer.Option(help="Billing period, YYYY-MM.", envvar="CHARGEBACK_PERIOD")
    ],
    out: Annotated[
        str,
        typer.Option(
            help="Output folder or s3:// URI; statements go to OUT/YYYY-MM/.",
            envvar="CHARGEBACK_OUT",
        ),
    ] = "out",
    cost_center_tag: Annotated[
        str,
        typer.Option(
            help="Tag key holding the cost center, as written in AWS.",
            envvar="CHARGEBACK_COST_CENTER_TAG",
        ),
    ] = "CostCenter",
    cost_measure: Annotated[
        CostMeasure,
        typer.Option(
            help="Cost column charged: net unblended (after discounts) or unblended.",
            envvar="CHARGEBACK_COST_MEASURE",
        ),
    ] = CostMeasure.NET_UNBLENDED,
    threads: Annotated[
        int | None, typer.Option(help="DuckDB worker threads (default: all cores).")
    ] = None,
    memory_limit: Annotated[str | None, typer.Option(help="DuckDB memory limit, e.g. 2GB.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Write the month's chargeback statements (CSV, Excel workbook, run.json)."""
    try:
        config = RunConfig(
            source=source,
            period=Period.parse(period),
            out=out,
            cost_center_tag=cost_center_tag,
            cost_measure=cost_measure,
            statement_tags=dict(DEFAULT_STATEMENT_TAGS),
            threads=threads,
            memory_limit=memory_limit,
        )
        show = not quiet and sys.stderr.isatty()
        result = run(config, progress=_progress if show else None)
    except ChargebackError as e:
        _fail(e)
    _report(result)


def _progress(phase: str) -> None:
    typer.echo(f"... {phase}", err=True)


def _report(result: RunResult, shown: int = 50) -> None:
    period = result.info["billing_period"]
    typer.echo(
        f"Bedrock chargeback {period}: {result.info['rows']['bedrock']:,} Bedrock line "
        f"items of {result.info['rows']['period']:,} in the period"
    )
    if not result.allocation.totals:
        typer.echo(f"  no Bedrock spend in {period}: the statements are empty")
    for totals in result.allocation.totals:
        centers = totals.cost_centers
        names = [terminal_text(c.cost_center) for c in centers]
        width = max(len(n) for n in (*names[:shown], "UNATTRIBUTED"))
        for name, cc in list(zip(names, centers, strict=True))[:shown]:
            typer.echo(
                f"  {name:<{width}}  {cc.amount:>14,.2f} {cc.currency}  {cc.share_pct:>6.2f}%"
            )
        if len(centers) > shown:
            typer.echo(f"  ... and {len(centers) - shown:,} more (see the summary CSV)")
        typer.echo(f"  {'TOTAL':<{width}}  {totals.total:>14,.2f} {totals.currency}")
    if result.superseded_by:
        typer.echo(
            f"note: statements from newer input (run {result.superseded_by}) were already "
            "published; they stay current and this run's were discarded",
            err=True,
        )
    typer.echo(f"Workbook: {result.outputs['workbook']}")
    typer.echo(f"Statements: {result.output_dir}")


def _fail(error: ChargebackError) -> None:
    message = " ".join(str(error).split())
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(int(error.exit_code))


def main() -> None:
    """Console entry point."""
    try:
        app()
    except ChargebackError as e:  # raised outside a command's own handling
        typer.echo(f"error: {e}", err=True)
        sys.exit(int(e.exit_code))
    except KeyboardInterrupt:
        sys.exit(int(ExitCode.UNEXPECTED))
