"""``python -m sample_data.generator``: write the sample month (CUR 2.0, legacy CUR, FOCUS)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from sample_data.generator.cur2 import bedrock_sample_rows, write_cur2_export, write_legacy_cur
from sample_data.generator.focus import write_focus_export
from sample_data.generator.invocation_logs import sample_logs, sample_usage, write_logs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sample_data.generator",
        description="Write a deterministic sample CUR 2.0 export with Amazon Bedrock usage.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("sample_data/bedrock-cur2"),
        help="export root (gets data/ and metadata/)",
    )
    parser.add_argument("--period", default="2026-10", help="billing period YYYY-MM")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--export-name", default="bedrock-cur2")
    parser.add_argument("--files", type=int, default=2, help="data files per delivery")
    parser.add_argument(
        "--legacy-out",
        type=Path,
        default=None,
        help="also write the same rows as legacy CUR Parquet under this root",
    )
    parser.add_argument(
        "--focus-out",
        type=Path,
        default=None,
        help="also write the same rows as a FOCUS export (FOCUS_1_2_AWS) under this root",
    )
    parser.add_argument("--focus-version", default="1.2", choices=("1.0", "1.2"))
    parser.add_argument(
        "--logs-out",
        type=Path,
        default=None,
        help="also write Bedrock model invocation logs for the month's default-project calls "
        "under this folder (AWSLogs/...)",
    )
    args = parser.parse_args(argv)
    try:
        paths = write_cur2_export(args.out, args.period, args.seed, args.export_name, args.files)
    except ValueError as exc:
        parser.error(str(exc))
    for p in paths:
        print(p)
    meta = args.out / "metadata" / f"BILLING_PERIOD={args.period}"
    print(meta / f"{args.export_name}-Manifest.json")
    if args.legacy_out is not None:
        year, month = args.period.split("-")
        legacy = write_legacy_cur(
            args.legacy_out,
            bedrock_sample_rows(args.period, args.seed),
            (f"year={year}", f"month={int(month)}"),
        )
        print(legacy)
    if args.focus_out is not None:
        print(write_focus_export(args.focus_out, args.period, args.seed, args.focus_version))
    if args.logs_out is not None:
        usage = sample_usage(bedrock_sample_rows(args.period, args.seed))
        written = write_logs(args.logs_out, sample_logs(usage))
        print(f"{args.logs_out}: {len(written)} invocation log objects")
    return 0
