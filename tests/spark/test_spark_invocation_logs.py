"""``--invocation-logs`` with ``--engine spark``: the sample month and its invocation logs give
the same statements on both engines, cell for cell (the logs are read locally after Spark's
scan; the scan's groups must carry what the log attribution needs).

The logs are the sample generator's (tests/support/sample_logs.py, as the e2e tests write them);
the split they give is the one that test computes independently from the Parquet rows and the
log files: 70.82 of the default project's Nova Pro to three teams.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from chargeback.allocate.money import round_money
from chargeback.frontends.cli import app
from chargeback.settings.model import ScanEngine
from chargeback.settings.resolve import resolve_run_config
from tests.spark.conftest import SPARK
from tests.support.engines import assert_same_outputs, run_both
from tests.support.paths import SAMPLE
from tests.support.runs import read_csv
from tests.support.sample_logs import write_sample_logs

pytestmark = SPARK


def _logs(root: Path) -> Path:
    write_sample_logs(root)
    return root


def test_invocation_logs_on_spark_equal_duckdb(spark: Any, tmp_path: Path) -> None:
    logs = _logs(tmp_path / "logs")
    config = resolve_run_config(
        str(SAMPLE),
        "2026-10",
        out=str(tmp_path / "out"),
        invocation_logs=str(logs),
        environ={},
        cwd=tmp_path,
    )
    duck, on_spark = run_both(config, tmp_path / "out")
    assert on_spark.config.engine is ScanEngine.SPARK
    assert on_spark.config.invocation_logs is not None
    assert assert_same_outputs(duck, on_spark) >= 6
    found: dict[str, Decimal] = defaultdict(Decimal)
    for ln in on_spark.allocation.lines:
        if ln.attribution_source == "invocation_logs":
            found[ln.cost_center] += ln.exact_amount
    assert set(found) == {"CC-1001", "CC-2002", "CC-3003", "UNATTRIBUTED"}
    teams = sum((v for k, v in found.items() if k != "UNATTRIBUTED"), Decimal(0))
    assert round_money(teams) == Decimal("70.82")


def test_cli_takes_invocation_logs_with_the_spark_engine(spark: Any, tmp_path: Path) -> None:
    logs = _logs(tmp_path / "logs")
    runner = CliRunner()
    outputs = {}
    for engine in ("duckdb", "spark"):
        out = tmp_path / engine
        result = runner.invoke(
            app,
            [
                "run",
                str(SAMPLE),
                "--period",
                "2026-10",
                "--out",
                str(out),
                "--engine",
                engine,
                "--invocation-logs",
                str(logs),
                "--quiet",
            ],
        )
        assert result.exit_code == 0, result.output
        (lines,) = out.rglob("*lines*.csv")
        outputs[engine] = read_csv(lines)
    assert outputs["spark"] == outputs["duckdb"]
    sources = {row.get("attribution_source") for row in outputs["spark"]}
    assert "invocation_logs" in sources
