"""Issue 14 on the sample month: the generator's invocation logs explain the default
project's runtime calls; what they attribute is checked against a computation here, from
the Parquet rows (pyarrow) and the log files (gzip, json), without chargeback code."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl

from chargeback.allocate.money import round_money
from chargeback.pipeline import run
from chargeback.settings.model import InvocationLogSettings, Period, RunConfig
from tests.support.paths import SAMPLE
from tests.support.runs import lines
from tests.support.sample_logs import exact_log_split, write_sample_logs


def test_sample_month_with_its_logs(tmp_path: Path) -> None:
    log_root = tmp_path / "logs"
    write_sample_logs(log_root)
    exact: dict[str, Fraction] = defaultdict(Fraction)
    for cc, _interval, _kind, amount in exact_log_split(log_root):
        exact[cc] += amount
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
