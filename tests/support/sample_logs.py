"""The sample month's invocation logs (the generator's), and what they split, computed here
from the Parquet rows (pyarrow) and the log files (gzip, json), without chargeback code: the
default project's Nova Pro lines of account 444455556666, each shared between the callers'
cost centers by their tokens of that hour and kind."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import pyarrow.parquet as pq

from sample_data.generator.cur2 import bedrock_sample_rows
from sample_data.generator.invocation_logs import sample_logs, sample_usage, write_logs
from tests.support.paths import SAMPLE


def write_sample_logs(root: Path) -> None:
    """The logs of the shipped sample month, under ``root``."""
    write_logs(root, sample_logs(sample_usage(bedrock_sample_rows("2026-10", 7))))


def exact_log_split(log_root: Path) -> list[tuple[str, str, str, Fraction]]:
    """(cost center, the line's time interval, its line item type, exact amount) for each
    part of each default-project Nova Pro line the logs under ``log_root`` split."""
    records = [
        json.loads(line)
        for path in log_root.rglob("*.json.gz")
        if "/data/" not in path.as_posix()
        for line in gzip.open(path, "rt")
    ]
    tokens: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in records:
        cc = (r.get("requestMetadata") or {}).get("costCenter") or "UNATTRIBUTED"
        for kind, count in (
            ("input", r["input"].get("inputTokenCount")),
            ("output", r["output"].get("outputTokenCount")),
        ):
            if count:
                tokens[(r["timestamp"][:13], kind)][cc] += count
    parts: list[tuple[str, str, str, Fraction]] = []
    for row in pq.read_table(SAMPLE / "data").to_pylist():
        usage_type = row["line_item_usage_type"] or ""
        if not (
            (row["line_item_resource_id"] or "").endswith(":project/default")
            and row["line_item_usage_account_id"] == "444455556666"
            and usage_type.startswith("USE1-NovaPro-")
        ):
            continue
        kind = "input" if usage_type.endswith("input-tokens") else "output"
        interval = row["identity_time_interval"]
        shares = tokens[(interval[:13], kind)]
        total = sum(shares.values())
        cost = Fraction(repr(row["line_item_net_unblended_cost"]))
        for cc, n in shares.items():
            parts.append((cc, interval, row["line_item_line_item_type"], cost * n / total))
    return parts
