"""The command line: parse options, call ``run()``, print results, map errors to exit codes.

Data (where the statements are, the totals) goes to stdout; progress and errors to stderr.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand

from chargeback import __version__
from chargeback.allocate.export_definition import ExportFormat
from chargeback.errors import ChargebackError, ExitCode
from chargeback.report.safety import terminal_line
from chargeback.settings.model import DEFAULT_MEMORY_LIMIT, CostMeasure, Period, ScanEngine
from chargeback.settings.resolve import ENV

if TYPE_CHECKING:
    from chargeback.results import RunResult

# Each command imports what it needs (the pipeline, DuckDB, pyarrow, XlsxWriter) inside its
# body: ``chargeback --help`` and the quick commands start without them (issue 19; a test,
# tests/unit/test_cli_imports.py, keeps it so).

ConfigOption = Annotated[
    str | None,
    typer.Option(
        "--config",
        help="Config file.",
        envvar=ENV["config"],
        show_default="./chargeback.toml when it exists",
    ),
]

#: Options several commands share, defined once so their help and variables agree.
PeriodOption = Annotated[str, typer.Option(help="Billing period, YYYY-MM.", envvar=ENV["period"])]
InvocationLogsOption = Annotated[
    str | None,
    typer.Option(
        "--invocation-logs",
        help="Bedrock model invocation logs (folder or s3:// prefix holding AWSLogs/): split "
        "token usage no earlier rule attributed by the callers' requestMetadata.",
        envvar=ENV["invocation_logs"],
        show_default="none",
    ),
]
CostCenterTagOption = Annotated[
    str | None,
    typer.Option(
        help="Tag key holding the cost center, as written in AWS.",
        envvar=ENV["cost_center_tag"],
        show_default="CostCenter",
    ),
]
CostMeasureOption = Annotated[
    CostMeasure | None,
    typer.Option(
        help="Cost column charged: net unblended (after discounts) or unblended.",
        envvar=ENV["cost_measure"],
        show_default="net_unblended",
    ),
]


class _Command(TyperCommand):
    """Usage lines as the README writes them: ``chargeback run [OPTIONS] SOURCE`` (typer
    writes a required argument as ``{SOURCE}``)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = super().collect_usage_pieces(ctx)
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in pieces]


app = typer.Typer(
    name="chargeback",
    help="Monthly Amazon Bedrock chargeback statements from AWS Data Exports (CUR 2.0).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        _say(f"bedrock-chargeback {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Monthly Amazon Bedrock chargeback statements from AWS Data Exports (CUR 2.0)."""


@app.command("run", cls=_Command)
def run_command(
    source: Annotated[
        str,
        typer.Argument(
            help="Export root (holding data/ and metadata/), a folder of Parquet files, "
            "or s3://bucket/prefix/export-name.",
            envvar=ENV["source"],
            metavar="SOURCE",
        ),
    ],
    period: PeriodOption,
    out: Annotated[
        str | None,
        typer.Option(
            help="Output folder or s3:// URI; statements go to OUT/YYYY-MM/.",
            envvar=ENV["out"],
            show_default="out",
        ),
    ] = None,
    cost_center_tag: CostCenterTagOption = None,
    cost_measure: CostMeasureOption = None,
    threads: Annotated[
        int | None,
        typer.Option(
            help="DuckDB threads and statement writer processes.",
            envvar=ENV["threads"],
            show_default="all cores",
        ),
    ] = None,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            help="DuckDB memory limit, e.g. 2GB.",
            envvar=ENV["memory_limit"],
            show_default=DEFAULT_MEMORY_LIMIT,
        ),
    ] = None,
    templates: Annotated[
        str | None,
        typer.Option(
            help="Folder with workbook.toml / journal.toml replacing the shipped report templates.",
            envvar=ENV["templates"],
            show_default="the shipped templates",
        ),
    ] = None,
    strict: Annotated[
        bool | None,
        typer.Option(
            "--strict",
            help="Stop (exit 3) instead of warning when the cost-center tag or a mapping "
            "table matches no Bedrock line of the period.",
            envvar=ENV["strict"],
        ),
    ] = None,
    alert_topic: Annotated[
        str | None,
        typer.Option(
            help="SNS topic ARN to send the month's alerts (budgets, anomalies) to.",
            envvar=ENV["alert_topic"],
            show_default="none",
        ),
    ] = None,
    engine: Annotated[
        ScanEngine | None,
        typer.Option(
            help="What scans the export: duckdb (in this process) or spark (pip install "
            "'bedrock-chargeback[spark]'; a local session, or --spark-remote).",
            envvar=ENV["engine"],
            show_default="duckdb",
        ),
    ] = None,
    spark_remote: Annotated[
        str | None,
        typer.Option(
            help="Spark Connect URL (sc://HOST:PORT) of the cluster that scans the export "
            "(EMR, Databricks, Glue); with --engine spark.",
            envvar=ENV["spark_remote"],
            show_default="a local Spark session",
        ),
    ] = None,
    post_period: Annotated[
        str | None,
        typer.Option(
            help="For a closed month: the open period its adjustment journal is dated in.",
            show_default="the current month",
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="No progress on stderr (shown only when stderr is a terminal)."
        ),
    ] = False,
    config_file: ConfigOption = None,
    invocation_logs: InvocationLogsOption = None,
) -> None:
    """Write the month's chargeback statements (CSV, Excel workbook, run.json); for a closed
    month, an adjustment set beside the closed statements."""
    from chargeback.pipeline import run
    from chargeback.settings.resolve import resolve_run_config

    with _reported():
        config = resolve_run_config(
            source,
            period,
            config_file=config_file,
            out=out,
            cost_center_tag=cost_center_tag,
            cost_measure=cost_measure,
            threads=threads,
            memory_limit=memory_limit,
            templates=templates,
            strict=strict,
            invocation_logs=invocation_logs,
            alert_topic=alert_topic,
            engine=engine,
            spark_remote=spark_remote,
        )
        if post_period is not None:
            config = replace(config, post_period=Period.parse(post_period))
        result = run(config, progress=_progress if _show_progress(quiet) else None)
    _report(result)
    _send_alerts(result)


def _send_alerts(result: RunResult) -> None:
    """With ``--alert-topic``: the month's alerts to SNS, as the Lambda sends them."""
    from chargeback.publish.alerts_topic import send_alerts

    topic = result.config.alert_topic
    alerts = () if result.alerts is None else result.alerts.alerts
    if topic is None or not alerts or result.superseded_by or result.adjustment is not None:
        return
    lines = [a.message for a in alerts]
    message_id, error = send_alerts(topic, result.billing_period, lines, result.output_dir)
    if error is not None:
        _say(f"warning: {error}", err=True)
    else:
        _say(f"note: {len(lines)} alert(s) sent to {topic} (message {message_id})", err=True)


@app.command("periods", cls=_Command)
def periods_command(
    source: Annotated[
        str,
        typer.Argument(
            help="Export root or folder of Parquet files (every file is read).",
            envvar=ENV["source"],
            metavar="SOURCE",
        ),
    ],
) -> None:
    """List the billing periods in SOURCE with row counts and Bedrock totals."""
    from chargeback.frontends.cli_text import periods_text
    from chargeback.survey import periods

    with _reported():
        rows = periods(source)
    for line in periods_text(rows):
        _say(line)


@app.command("coverage", cls=_Command)
def coverage_command(
    source: Annotated[
        str,
        typer.Argument(
            help="Export root or folder of Parquet files.", envvar=ENV["source"], metavar="SOURCE"
        ),
    ],
    period: PeriodOption,
    cost_center_tag: CostCenterTagOption = None,
    cost_measure: CostMeasureOption = None,
    config_file: ConfigOption = None,
    invocation_logs: InvocationLogsOption = None,
) -> None:
    """Show how much Bedrock spend each rule attributes and what stays unattributed.

    Runs the rules and policies of the config on one period; writes no statements.
    """
    from chargeback.frontends.cli_text import coverage_text
    from chargeback.settings.resolve import resolve_run_config
    from chargeback.survey import coverage_report

    with _reported():
        config = resolve_run_config(
            source,
            period,
            config_file=config_file,
            cost_center_tag=cost_center_tag,
            cost_measure=cost_measure,
            invocation_logs=invocation_logs,
        )
        report = coverage_report(config)
    for unmatched in report.allocation.unmatched:
        _say(f"warning: {unmatched.message}", err=True)
    for line in coverage_text(report, str(config.period)):
        _say(line)


OutOption = Annotated[
    str | None,
    typer.Option(
        help="Output folder or s3:// URI the statements were published to.",
        envvar=ENV["out"],
        show_default="out",
    ),
]


@app.command("trend", cls=_Command)
def trend_command(
    out: OutOption = None,
    months: Annotated[
        int, typer.Option(min=1, max=120, help="How many months, up to the latest.")
    ] = 6,
    period: Annotated[
        str | None,
        typer.Option(help="The latest month, YYYY-MM.", show_default="the latest published"),
    ] = None,
    config_file: ConfigOption = None,
) -> None:
    """Each cost center's charge by month, from the runs published to OUT."""
    from chargeback.frontends.cli_text import trend_text
    from chargeback.publish.destination import open_destination
    from chargeback.publish.published import latest_published, published_months
    from chargeback.settings.resolve import resolve_out

    with _reported():
        where = resolve_out(out, config_file=config_file)
        destination = open_destination(where)
        if period is not None:
            until: Period | None = Period.parse(period)
        else:
            now = datetime.now(UTC)
            until = latest_published(destination, Period(now.year, now.month))
        found = [] if until is None else published_months(destination, until, months)
    for line in trend_text(found, where):
        _say(line)


@app.command("history", cls=_Command)
def history_command(
    period: PeriodOption,
    out: OutOption = None,
    config_file: ConfigOption = None,
) -> None:
    """List the month's runs, closes, reopens and adjustments, oldest first."""
    from chargeback.closing import month_history
    from chargeback.frontends.cli_text import history_text
    from chargeback.settings.resolve import resolve_out

    with _reported():
        month = Period.parse(period)
        where = resolve_out(out, config_file=config_file)
        rows = month_history(where, month)
    for line in history_text(rows, str(month), where):
        _say(line)


@app.command("close", cls=_Command)
def close_command(
    period: PeriodOption,
    out: OutOption = None,
    by: Annotated[
        str | None, typer.Option(help="Who closes the month.", show_default="your user name")
    ] = None,
    note: Annotated[str, typer.Option(help="Why, or the journal it was booked in.")] = "",
    force: Annotated[
        bool, typer.Option("--force", help="Close a provisional month (to book accruals).")
    ] = False,
    config_file: ConfigOption = None,
) -> None:
    """Close the month's published statements: record their run, totals and files'
    SHA-256; later runs for the month never replace them."""
    from chargeback.closing import close_month
    from chargeback.settings.resolve import resolve_out

    with _reported():
        month = Period.parse(period)
        where = resolve_out(out, config_file=config_file)
        event = close_month(where, month, by=by, note=note, force=force)
    body = event.body
    totals = ", ".join(f"{t['currency']} {t['total']}" for t in body["totals"]) or "no spend"
    _say(
        f"closed {month}: run {body['run_id']} ({body['status']}), {totals}; "
        f"{len(body['files'])} files recorded with SHA-256; by {body['by']} at {body['at']}"
    )
    if body["forced"]:
        reasons = "; ".join(body["status_reasons"])
        _say(f"note: {month} was closed on provisional figures ({reasons})", err=True)


@app.command("reopen", cls=_Command)
def reopen_command(
    period: PeriodOption,
    reason: Annotated[str, typer.Option(help="Why the month is reopened (recorded).")],
    out: OutOption = None,
    by: Annotated[
        str | None, typer.Option(help="Who reopens the month.", show_default="your user name")
    ] = None,
    config_file: ConfigOption = None,
) -> None:
    """Reopen a closed month (recorded); the next run replaces its statements again."""
    from chargeback.closing import reopen_month
    from chargeback.settings.resolve import resolve_out

    with _reported():
        month = Period.parse(period)
        where = resolve_out(out, config_file=config_file)
        event = reopen_month(where, month, reason=reason, by=by)
    _say(
        f"reopened {month} (closed by history event {event.body['reopens']}): the next run "
        "replaces its statements"
    )


@app.command("export-definition", cls=_Command)
def export_definition_command(
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", help="json (the API's Export), cloudformation or cli."),
    ] = ExportFormat.JSON,
    bucket: Annotated[
        str, typer.Option(help="S3 bucket the export is delivered to.")
    ] = "<export-bucket>",
    prefix: Annotated[str, typer.Option(help="S3 prefix of the export.")] = "<export-prefix>",
    region: Annotated[str, typer.Option(help="Region of the bucket.")] = "us-east-1",
) -> None:
    """Print a Data Exports definition holding only the Bedrock lines and the columns a run
    reads (a superset of what the run charges; what the filter cannot express is noted)."""
    from chargeback.allocate.export_definition import render

    sys.stdout.write(render(fmt, bucket=bucket, prefix=prefix, region=region) + "\n")


config_app = typer.Typer(help="Work with the config file (chargeback.toml).", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("check", cls=_Command)
def config_check_command(config_file: ConfigOption = None) -> None:
    """Validate the config file, the tables and report templates it names; print the
    settings as resolved."""
    from chargeback.frontends.cli_text import config_text
    from chargeback.report.templates import load_templates
    from chargeback.settings.files import find_config, load_settings

    with _reported():
        settings = load_settings(find_config(config_file))
        templates = load_templates(settings.run.get("templates"))
    for line in config_text(settings):
        _say(line)
    _say(f"report templates: {templates.workbook.origin}, {templates.journal.origin}")
    _say("config OK" if settings.path else "no config file: defaults apply")


def _show_progress(quiet: bool) -> bool:
    """Progress only for a person watching: stderr is a terminal, not a log or Lambda."""
    in_lambda = "AWS_LAMBDA_FUNCTION_NAME" in os.environ
    return not quiet and not in_lambda and sys.stderr.isatty()


def _progress(phase: str) -> None:
    _say(f"... {phase}", err=True)


def _report(result: RunResult, shown: int = 50) -> None:
    from chargeback.frontends.cli_text import (
        adjustment_text,
        alerts_text,
        placeholder_note,
        run_summary_text,
        threads_note,
    )

    if result.adjustment is not None:
        for line in adjustment_text(result.billing_period, result.adjustment):
            _say(line)
        return
    period = result.billing_period
    _say(
        f"Bedrock chargeback {period}: {result.rows.bedrock:,} Bedrock line "
        f"items of {result.rows.period:,} in the period"
    )
    for line in alerts_text(result.alerts):
        _say(line)
    if not result.allocation.totals:
        _say(f"  no Bedrock spend in {period}: the statements are empty")
    for totals in result.allocation.totals:
        for line in run_summary_text(totals, shown, result.last_month):
            _say(line)
    for warning in result.warnings:
        _say(f"warning: {warning}", err=True)
    if result.settings.cost_measure_note:
        _say(f"note: {result.settings.cost_measure_note}", err=True)
    duckdb = result.settings.duckdb
    if result.config.threads is not None and "threads_asked" in duckdb:
        _say(
            threads_note(duckdb["threads"], duckdb["threads_asked"], duckdb["memory_limit"]),
            err=True,
        )
    if result.placeholder_settings:
        _say(placeholder_note(result.placeholder_settings), err=True)
    if result.superseded_by:
        _say(
            f"note: statements from newer input (run {result.superseded_by}) were already "
            "published; they stay current and this run's were discarded",
            err=True,
        )
    _say(f"Workbook: {result.outputs['workbook']}")
    _say(f"Statements: {result.output_dir}")


def _say(text: str, err: bool = False) -> None:
    """Every line the CLI prints: file names, tag values and paths in it are shown with
    their control characters escaped, so none can drive the terminal."""
    typer.echo(terminal_line(text), err=err)


@contextmanager
def _reported() -> Iterator[None]:
    """Around a command's work: a ChargebackError is one line and its exit code, Ctrl-C one
    line and 130 (click would print "Aborted!" and exit 1)."""
    try:
        yield
    except ChargebackError as e:
        _fail(e)
    except KeyboardInterrupt:
        _interrupted()


def _fail(error: ChargebackError) -> None:
    _say(f"error: {_one_line(error)}", err=True)
    raise typer.Exit(int(error.exit_code))


def _interrupted() -> NoReturn:
    """Ctrl-C (SIGINT): one line and 130, wherever it came (a month is published only by a
    run that completes, so an interrupted run leaves the published set as it was)."""
    typer.echo(INTERRUPTED, err=True)
    raise typer.Exit(int(ExitCode.INTERRUPTED))


INTERRUPTED = "error: interrupted (SIGINT) before the command completed; run it again"


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def main() -> None:
    """Console entry point."""
    try:
        app()
    except ChargebackError as e:  # raised outside a command's own handling
        _say(f"error: {_one_line(e)}", err=True)
        sys.exit(int(e.exit_code))
    except KeyboardInterrupt:
        typer.echo(INTERRUPTED, err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
