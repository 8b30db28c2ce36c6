"""Issue 14 on the sample month: the generator's invocation logs explain the default
project's runtime calls; what they attribute is checked against a computation here, from
the Parquet rows (pyarrow) and the log files (gzip, json), without chargeback code."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq

from chargeback.allocate.money import round_money
from chargeback.pipeline import run
from chargeback.settings.model import InvocationLogSettings, Period, RunConfig
from sample_data.generator.cur2 import bedrock_sample_rows
from sample_data.generator.invocation_logs import sample_logs, sample_usage, write_logs
from tests.support.paths import SAMPLE
from tests.support.runs import lines


def test_sample_month_with_its_logs(tmp_path: Path) -> None:
    log_root = tmp_path / "logs"
    write_logs(log_root, sample_logs(sample_usage(bedrock_sample_rows("2026-10", 7))))
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
    exact: dict[str, Fraction] = defaultdict(Fraction)
    rows = pq.read_table(SAMPLE / "data").to_pylist()
    for row in rows:
        usage_type = row["line_item_usage_type"] or ""
        if not (
            (row["line_item_resource_id"] or "").endswith(":project/default")
            and row["line_item_usage_account_id"] == "444455556666"
            and usage_type.startswith("USE1-NovaPro-")
        ):
            continue
        kind = "input" if usage_type.endswith("input-tokens") else "output"
        shares = tokens[(row["identity_time_interval"][:13], kind)]
        total = sum(shares.values())
        cost = Fraction(repr(row["line_item_net_unblended_cost"]))
        for cc, n in shares.items():
            exact[cc] += cost * n / total

    result = run(
        RunConfig(
            source=str(SAMPLE),
            period=Period.parse("2026-10"),
            out=str(tmp_path / "out"),
            invocation_logs=InvocationLogSettings(str(log_root)),
        )
    )
    found: dict[str, Decimal] = defaultdict(Decimal)
    for ln in result.allocation.lines:
        if ln.attribution_source == "invocation_logs":
            found[ln.cost_center] += ln.exact_amount
    assert set(found) == {"CC-1001", "CC-2002", "CC-3003", "UNATTRIBUTED"}
    for cc, want in exact.items():
        want_dec = Decimal(want.numerator) / Decimal(want.denominator)
        assert abs(found[cc] - want_dec) < Decimal("1e-9"), cc
    # 78.34 of default-project Nova Pro: 70.82 to the three teams, 7.51 untagged calls (exact sums)
    assert round_money(
        sum((v for k, v in found.items() if k != "UNATTRIBUTED"), Decimal(0))
    ) == Decimal("70.82")
    assert round_money(found["UNATTRIBUTED"]) == Decimal("7.51")
    month = result.totals[0]
    assert month.export_bedrock_total == Decimal("6597.83")  # the month still reconciles
    assert month.attributed + month.unattributed == month.export_bedrock_total
    # the workbook's statement sheet shows each part with its rule, value and evidence
    book = openpyxl.load_workbook(result.outputs["workbook"], data_only=True)
    values = [c.value for row in book["CC-2002"].iter_rows() for c in row]
    assert "invocation_logs" in values
    assert any(
        isinstance(v, str) and v.startswith("invocation logs (requestMetadata): ") for v in values
    )
    csv_rows = [r for r in lines(result) if r["attribution_source"] == "invocation_logs"]
    assert {r["team"] for r in csv_rows if r["cost_center"] == "CC-2002"} == {"support"}
