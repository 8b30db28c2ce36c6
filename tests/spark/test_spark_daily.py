"""The daily anomaly check on ``--engine spark``: the usage day the scan keeps
(queries/13_bedrock_groups.sql, transpiled for Spark) gives the same day flags as DuckDB's,
and the figures the Parquet rows give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chargeback.settings.model import Period, RunConfig
from tests.spark.conftest import SPARK
from tests.support.daily_spike import SPIKE_CC, SPIKE_DAY, expected_day_flags, write_spike_month
from tests.support.engines import assert_same_outputs, run_both

pytestmark = SPARK


def test_the_spiking_day_is_flagged_the_same_on_spark(spark: Any, tmp_path: Path) -> None:
    rows = write_spike_month(tmp_path / "export")
    config = RunConfig(source=str(tmp_path / "export"), period=Period.parse("2026-10"), out="-")
    duck, on_spark = run_both(config, tmp_path / "out")
    assert assert_same_outputs(duck, on_spark) >= 6  # run.json's day_flags included
    assert on_spark.alerts is not None
    flags = {(d.cost_center, d.day): d for d in on_spark.alerts.anomalies.days}
    assert list(flags) == [(SPIKE_CC, SPIKE_DAY)]
    amount, median, days, ratio = expected_day_flags(rows)[(SPIKE_CC, SPIKE_DAY)]
    got = flags[(SPIKE_CC, SPIKE_DAY)]
    assert (got.amount, got.median, got.days, got.ratio) == (amount, median, days, ratio)
