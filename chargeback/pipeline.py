"""The one core every front end calls: ``run(config)`` produces a month's statements.

source -> schema -> canonical view -> Bedrock lines -> allocation -> statements -> outputs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chargeback import __version__, crashpoints
from chargeback.adjusting import adjust_closed_month
from chargeback.allocate.allocation import Allocation, allocate
from chargeback.allocate.attribution import attribution_info, coverage
from chargeback.allocate.engine import Engine
from chargeback.allocate.money import exact_arithmetic
from chargeback.errors import OutputError
from chargeback.publish.destination import open_destination
from chargeback.publish.history import in_force_close
from chargeback.publish.published import months_before
from chargeback.read.files import Source
from chargeback.read.invocation_logs import LogObjects, open_logs
from chargeback.read.schema import ExportSchema, canonical_view, detect_schema
from chargeback.read.sources import open_source
from chargeback.report.alerts import MonthAlerts, month_alerts
from chargeback.report.anomalies import check_anomalies
from chargeback.report.budgets import budget_lines, month_elapsed
from chargeback.report.header import RunHeader
from chargeback.report.outputs import output_jobs
from chargeback.report.previous import previous_run
from chargeback.report.statement_files import STATEMENTS_DIR, plan_statement_files
from chargeback.report.status import month_status
from chargeback.report.templates import load_templates, placeholder_settings, with_settings
from chargeback.report.workers import available_cpus, run_jobs
from chargeback.results import (
    CurrencyTotal,
    ManifestInfo,
    RowCounts,
    RunResult,
    RunSettings,
    SourceInfo,
)
from chargeback.run_record import PublishedMonth, UnreadableMonth
from chargeback.settings.model import RunConfig, ScanEngine

#: Called with a phase name as the run goes on (the CLI shows it; Lambda ignores it).
Progress = Callable[[str], None]

#: The queries that scan the export's files, and what to call them in progress messages.
QUERY_PHASES: dict[str, str] = {
    "10_rows_by_file": "counting rows per file",
    "13_bedrock_groups": "selecting Bedrock rows",
    "16_invocation_log_tokens": "reading the invocation logs",
    "35_tag_keys": "listing the tag keys of the Bedrock rows",
}


def output_names(period: str) -> dict[str, str]:
    """The files of one month's statement set."""
    return {
        "summary": f"chargeback-{period}-summary.csv",
        "lines": f"chargeback-{period}-lines.csv",
        "unit_economics": f"chargeback-{period}-unit-economics.csv",
        "workbook": f"chargeback-{period}.xlsx",
        "journal": f"journal-{period}.csv",
        "report": "report.html",
        "statements": STATEMENTS_DIR,
        "run": "run.json",
    }


@exact_arithmetic
def run(
    config: RunConfig, progress: Progress | None = None, now: datetime | None = None
) -> RunResult:
    """Read the export, allocate its Bedrock lines, and publish the month's statements."""
    started = time.monotonic()
    say = progress or (lambda _phase: None)
    generated_at = (now or datetime.now(UTC)).replace(microsecond=0)
    period = str(config.period)
    templates = with_settings(
        load_templates(config.templates),
        config.company,
        config.expense_account,
        config.clearing_account,
    )
    run_id = f"bedrock-chargeback-{period}-{generated_at:%Y%m%dT%H%M%SZ}"

    source, schema, allocation, duckdb_settings = _read_and_allocate(
        config, say, show_scan=progress is not None
    )
    read_seconds = time.monotonic() - started

    say(f"writing statements ({len(allocation.lines):,} lines)")
    destination = open_destination(config.out)
    names = output_names(period)
    history, unreadable = months_before(destination, config.period)
    last_month = previous_run(config.period, history, unreadable)
    previous = last_month.run
    status = month_status(config.period, allocation, generated_at)
    alerts = _alerts(config, allocation, generated_at, history, unreadable)
    header = RunHeader(
        period=period,
        source=source.root,
        cost_measure=allocation.measure_applied,
        generated_at=generated_at.isoformat(),
        version=__version__,
        invoice_ids=tuple(sorted({b.keys[0] for b in allocation.by_invoice if b.keys[0]})),
        run_id=run_id,
        status=status.status,
        status_reasons=status.reasons,
    )

    def write_set(stage: Path) -> RunResult:
        try:
            statements = plan_statement_files(stage / names["statements"], allocation)
            run_jobs(
                output_jobs(
                    stage,
                    names,
                    allocation,
                    header,
                    templates,
                    previous,
                    statements,
                    config.period,
                    alerts,
                ),
                config.threads or available_cpus(),
                _write_progress(say, len(statements)) if progress is not None else None,
            )
            statement_files = {s.name: s.relative for s in statements}
            statement_paths = [
                f"{p}{x}" for p in statement_files.values() for x in (".csv", ".xlsx")
            ]
            result = RunResult(
                run_id=run_id,
                version=__version__,
                generated_at=generated_at.isoformat(),
                billing_period=period,
                source=source_info(source, schema),
                settings=RunSettings(
                    cost_measure=config.cost_measure.value,
                    cost_measure_applied=allocation.measure_applied,
                    cost_measure_note=allocation.measure_note,
                    cost_center_tag=config.cost_center_tag,
                    statement_tags=dict(config.statement_tags),
                    net_unblended_column=schema.has_net_unblended,
                    duckdb=duckdb_settings,
                ),
                files=allocation.files,
                rows=RowCounts(
                    input=sum(f.rows for f in allocation.files),
                    period=allocation.period_rows,
                    bedrock=allocation.bedrock_rows,
                    measure_fallback_to_unblended=allocation.measure_fallback_rows,
                    bedrock_selected_by=allocation.selection,
                ),
                totals=currency_totals(allocation),
                attribution=attribution_info(config, allocation),
                coverage=tuple(coverage(allocation)),
                statement_lines=len(allocation.lines),
                previous_run=None if previous is None else previous.uri,
                previous_run_warning=last_month.warning,
                last_month=None if previous is None else dict(previous.amounts),
                statement_files=statement_files,
                files_written=tuple(  # the files, statements/<cost center>.* included
                    sorted([n for n in names.values() if n != STATEMENTS_DIR] + statement_paths)
                ),
                seconds=round(time.monotonic() - started, 3),
                phase_seconds={
                    "read_and_allocate": round(read_seconds, 3),
                    "write": round(time.monotonic() - started - read_seconds, 3),
                },
                output_dir="",
                outputs={},
                config=config,
                allocation=allocation,
                unmatched=allocation.unmatched,
                placeholder_settings=placeholder_settings(templates),
                status=status.status,
                status_reasons=status.reasons,
                alerts=alerts,
            )
            with (stage / names["run"]).open("w", encoding="utf-8") as out:
                result.write_json(out)
        except OSError as e:
            raise OutputError(
                f"cannot write the statements for {period} ({e}); the previous set in "
                f"{destination.location(period)} is unchanged"
            ) from e
        return result

    close = in_force_close(destination.events(period))
    if close is not None:  # a booked month is never replaced: its restatement is adjusted
        return adjust_closed_month(
            destination, config, close, write_set, templates, allocation, generated_at, say
        )
    with destination.staging(period) as stage:
        result = write_set(stage)
    if destination.superseded_by:
        say(f"not published: newer statements are already in {destination.location(period)}")
    else:
        say(f"published to {destination.location(period)}")
    return replace(
        result,
        output_dir=destination.location(period),
        outputs={k: destination.location(period, v) for k, v in names.items()},
        superseded_by=destination.superseded_by,
    )


def _alerts(
    config: RunConfig,
    allocation: Allocation,
    now: datetime,
    history: list[PublishedMonth],
    unreadable: list[UnreadableMonth],
) -> MonthAlerts:
    """Budgets and anomalies of the month, against the months published before it."""
    scale = month_elapsed(config.period, now)
    return month_alerts(
        budget_lines(allocation, config.period, now, config.alerts),
        check_anomalies(allocation, history, config.alerts, scale, unreadable),
        history,
    )


@exact_arithmetic
def read_and_allocate(config: RunConfig, say: Progress) -> tuple[Source, ExportSchema, Allocation]:
    """Find the input files, read them, and allocate the period's Bedrock lines."""
    source, schema, allocation, _settings = _read_and_allocate(config, say, show_scan=False)
    return source, schema, allocation


def _write_progress(say: Progress, statements: int) -> Callable[[int, int], None]:
    """How far the write phase has got, for a person watching: outputs done (the
    consolidated workbook; the CSVs and journal; each cost center's .xlsx and .csv) and
    seconds so far."""
    started = time.monotonic()

    def report(done: int, total: int) -> None:
        say(
            f"writing: {done:,} of {total:,} outputs done (the workbook, the CSVs and "
            f"{statements:,} cost centers' statement files), {time.monotonic() - started:.1f} s"
        )

    return report


def _read_and_allocate(
    config: RunConfig, say: Progress, show_scan: bool
) -> tuple[Source, ExportSchema, Allocation, dict[str, Any]]:
    """``read_and_allocate``, plus the settings DuckDB applied and what it spilled; with
    ``show_scan``, how far the scans of the export have got."""
    say("finding input files")
    source = open_source(config.source, config.period)
    schema = detect_schema(source.files, [config.cost_center_tag, *config.statement_tags.values()])
    n_files = len(source.files)
    size_mb = sum(f.size for f in source.files) / 1e6
    say(f"reading {n_files} file(s): {sum(f.rows for f in source.files):,} rows, {size_mb:,.0f} MB")

    def scanning(query: str, pct: float) -> None:
        if query not in QUERY_PHASES:
            return  # the later queries read the few selected rows, not the files
        files = n_files if logs is None or not query.startswith("16_") else len(logs.objects)
        scanned = int(files * pct / 100)
        say(f"{QUERY_PHASES.get(query, query)}: {pct:.0f}% (~{scanned} of {files} files)")

    logs: LogObjects | None = None
    if config.invocation_logs is not None:
        say(f"finding invocation logs under {config.invocation_logs.location}")
        logs = open_logs(config.invocation_logs.location, config.period)
        say(f"reading {len(logs.objects):,} invocation log object(s)")
    try:
        engine = Engine(config.threads, config.memory_limit, scanning if show_scan else None)
        try:
            duckdb_settings = engine.settings()
            crashpoints.pause("scan")
            files = {f.uri: f.rows for f in source.files}
            if config.engine is ScanEngine.SPARK:
                allocation = _allocate_on_spark(config, say, engine, source, schema, logs)
                # run.json: what scanned the export (DuckDB allocated, rounded and wrote)
                duckdb_settings["scan_engine"] = ScanEngine.SPARK.value
                duckdb_settings["spark_remote"] = config.spark_remote or "local session"
            else:
                engine.register_cur(canonical_view(engine.con, source, schema))
                allocation = allocate(engine, config, files, schema.legacy_tag_columns, logs)
            duckdb_settings["spilled_bytes"] = engine.spilled_bytes()
        finally:
            engine.close()
    finally:
        if logs is not None:
            logs.close()
    say(
        f"selected {allocation.bedrock_rows:,} Bedrock line items of "
        f"{allocation.period_rows:,} rows in {config.period}"
    )
    return source, schema, allocation, duckdb_settings


def _allocate_on_spark(
    config: RunConfig,
    say: Progress,
    engine: Engine,
    source: Source,
    schema: ExportSchema,
    logs: LogObjects | None,
) -> Allocation:
    """``allocate`` with the export scanned on Spark (pyspark loads only here)."""
    from chargeback.allocate.spark_scan import SparkScan, spark_session

    where = config.spark_remote or "a local Spark session"
    say(f"scanning on Spark ({where})")
    session = spark_session(config.spark_remote, config.threads)
    try:
        spark = SparkScan(session, source, schema, local=config.spark_remote is None)
        try:
            return allocate(
                engine,
                config,
                {f.uri: f.rows for f in source.files},
                schema.legacy_tag_columns,
                logs,
                scan_on=spark,
            )
        finally:
            spark.close()
    finally:
        if config.spark_remote:  # the cluster's session is released; a local one is kept
            session.stop()  # for the next run in this process (it ends with the process)


def source_info(source: Source, schema: ExportSchema) -> SourceInfo:
    """What was read, for run.json."""
    manifest = source.manifest
    return SourceInfo(
        uri=source.root,
        version=source.version,
        schema=schema.kind.value,
        manifest=None
        if manifest is None
        else ManifestInfo(manifest.uri, tuple(manifest.fields), manifest.info),
    )


def currency_totals(allocation: Allocation) -> tuple[CurrencyTotal, ...]:
    """Each currency's export total and how it was charged, for run.json and front ends."""
    return tuple(
        CurrencyTotal(
            currency=t.currency,
            export_bedrock_total=t.total,
            export_bedrock_total_exact=t.exact_total,
            attributed=t.attributed,
            unattributed=t.unattributed,
            cost_centers={c.cost_center: c.amount for c in t.cost_centers},
        )
        for t in allocation.totals
    )
