"""What the Bedrock-only export (``chargeback export-definition``) saves: rows, bytes, run time.

Applies the export's ``QueryStatement`` (its column selection and its Bedrock filter) to a
full export with DuckDB, the export registered as the Data Exports table
``COST_AND_USAGE_REPORT`` (columns a real CUR 2.0 table has and the export lacks are added
empty), and writes the kept rows as one Parquet file with the input's compression: what Data
Exports would deliver. Then times ``chargeback run`` on both, each in its own child process
(wall seconds and peak RSS, as benchmarks/run.py measures), and checks their totals agree.

    python benchmarks/filtered_export.py --rows 50000000          # generated, under benchmarks/data
    python benchmarks/filtered_export.py --source sample_data/bedrock-cur2

tests/e2e/test_export_definition.py uses :func:`write_filtered` on the sample export.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
if not __package__:  # run as a script: import from the repo
    sys.path.insert(0, str(HERE.parent))

from chargeback.allocate.export_definition import (  # noqa: E402
    TABLE,
    export_columns,
    query_statement,
)

PERIOD = "2026-10"


def parquet_files(root: Path) -> list[Path]:
    return sorted((root / "data").rglob("*.parquet"))


def compression_of(files: Sequence[Path]) -> str:
    """The input's compression (``snappy``, ``zstd``, ...), from its first column chunk."""
    meta = pq.ParquetFile(files[0]).metadata
    return str(meta.row_group(0).column(0).compression).lower()


def write_filtered(
    files: Sequence[Path], out: Path, period: str = PERIOD, threads: int | None = None
) -> Path:
    """The export as the Bedrock-only definition would deliver it, under ``out`` (an export
    root: ``data/BILLING_PERIOD=period/part-00001.<compression>.parquet``)."""
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    raw = con.read_parquet([str(f) for f in files], union_by_name=True)
    present = set(raw.columns)
    extra = [
        duckdb.ConstantExpression(None)
        .cast(duckdb.sqltype("MAP(VARCHAR, VARCHAR)" if c == "tags" else "VARCHAR"))
        .alias(c)
        for c in export_columns()
        if c not in present
    ]
    con.register(TABLE, raw.select(duckdb.StarExpression(), *extra))
    compression = compression_of(files)
    target = out / "data" / f"BILLING_PERIOD={period}" / f"part-00001.{compression}.parquet"
    target.parent.mkdir(parents=True)
    con.sql(query_statement()).write_parquet(str(target), compression=compression)
    con.close()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    from benchmarks.run import ensure_data, run_way

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--rows", type=int, help="a generated month of this many rows")
    which.add_argument("--source", type=Path, help="an export root already on disk")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2)")
    args = parser.parse_args(argv)

    if args.rows:
        source, _ = ensure_data(args.rows, args.seed)
    else:
        source = args.source.resolve()
    files = parquet_files(source)
    filtered = HERE / "data" / f"{source.name}-bedrock-only"
    shutil.rmtree(filtered, ignore_errors=True)
    started = time.perf_counter()
    write_filtered(files, filtered, threads=args.threads)
    filter_seconds = time.perf_counter() - started
    kept_files = parquet_files(filtered)

    def rows_bytes_cols(paths: Sequence[Path]) -> tuple[int, int, int]:
        metas = [pq.read_metadata(p) for p in paths]
        return (
            sum(m.num_rows for m in metas),
            sum(p.stat().st_size for p in paths),
            max(len(m.schema.to_arrow_schema()) for m in metas),
        )

    full_rows, full_bytes, full_cols = rows_bytes_cols(files)
    kept_rows, kept_bytes, kept_cols = rows_bytes_cols(kept_files)
    full = run_way("full", source, args.threads, None)
    small = run_way("full", filtered, args.threads, None)
    same = (
        full.result == small.result
        and full.info["statement_lines"] == small.info["statement_lines"]
    )
    print(f"source {source} ({compression_of(files)}), period {PERIOD}")
    print(f"{'':10} {'rows':>14} {'bytes':>16} {'columns':>8} {'run s':>8} {'peak MB':>8}")
    for label, rows, size, cols, m in (
        ("full", full_rows, full_bytes, full_cols, full),
        ("bedrock", kept_rows, kept_bytes, kept_cols, small),
    ):
        print(
            f"{label:10} {rows:>14,} {size:>16,} {cols:>8} {m.seconds:>8.1f} {m.peak_rss_mb:>8.0f}"
        )
    print(
        f"kept {kept_rows / full_rows:.2%} of rows, {kept_bytes / full_bytes:.2%} of bytes; "
        f"filtering took {filter_seconds:.1f} s; statements "
        + ("identical" if same else "DIFFER")
        + f" ({small.info['statement_lines']:,} lines, {full.info['bedrock_rows']:,} Bedrock rows)"
    )
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
