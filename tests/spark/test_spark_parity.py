"""``--engine spark`` writes the same statements as the DuckDB scan, cell for cell, to the cent:
the sample month, the same month as FOCUS and as legacy CUR, and a generated month.

Spark runs for real, in local mode (tests/spark/conftest.py). Each month is also checked
against an independent sum of its Parquet rows (pyarrow and Decimal), so two engines agreeing
on a wrong figure would fail too.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from benchmarks.generate import generate
from chargeback.frontends.cli import app
from chargeback.settings.model import ScanEngine
from chargeback.settings.resolve import resolve_run_config
from sample_data.generator.cur2 import bedrock_sample_rows, write_legacy_cur
from sample_data.generator.focus import write_focus_export
from tests.spark.conftest import SPARK
from tests.support.engines import assert_same_outputs, run_both
from tests.support.paths import SAMPLE
from tests.support.runs import read_csv, summary
from tests.support.sample_month import EXAMPLE, sample_expected

pytestmark = SPARK

#: Rows of the generated month. 1,000,000 in CI and by default; CHARGEBACK_SPARK_TEST_ROWS
#: makes it smaller on a slow machine.
GENERATED_ROWS = int(os.environ.get("CHARGEBACK_SPARK_TEST_ROWS", "1000000"))


def config(source: Path, tmp_path: Path, example: bool = True) -> Any:
    return resolve_run_config(
        str(source),
        "2026-10",
        config_file=str(EXAMPLE) if example else None,
        out=str(tmp_path / "out"),
        environ={},
        cwd=tmp_path,
    )


def test_sample_month_on_spark_equals_duckdb_and_the_parquet_rows(
    spark: Any, tmp_path: Path
) -> None:
    duck, on_spark = run_both(config(SAMPLE, tmp_path), tmp_path / "out")
    assert on_spark.config.engine is ScanEngine.SPARK
    assert on_spark.settings.duckdb["scan_engine"] == "spark"
    assert "scan_engine" not in duck.settings.duckdb
    assert assert_same_outputs(duck, on_spark) >= 6
    # and both say what the example config applied by hand to the Parquet rows says
    assert summary(on_spark) == sample_expected()
    assert on_spark.rows.bedrock == duck.rows.bedrock > 0
    assert [f.rows for f in on_spark.files] == [f.rows for f in duck.files]


@pytest.mark.parametrize("kind", ["focus", "legacy"])
def test_focus_and_legacy_months_on_spark_equal_duckdb(
    spark: Any, tmp_path: Path, kind: str
) -> None:
    root = tmp_path / kind
    if kind == "focus":
        write_focus_export(root)
    else:
        write_legacy_cur(root, bedrock_sample_rows())
    duck, on_spark = run_both(config(root, tmp_path), tmp_path / "out")
    assert (
        on_spark.source.schema
        == duck.source.schema
        == ("focus" if kind == "focus" else "legacy_cur")
    )
    assert assert_same_outputs(duck, on_spark) >= 6
    assert sum(summary(on_spark).values()) == Decimal("6597.83")  # the sample's published total


def test_generated_month_on_spark_equals_duckdb_to_the_cent(spark: Any, tmp_path: Path) -> None:
    root = tmp_path / "generated"
    generate(root, GENERATED_ROWS, seed=3)
    duck, on_spark = run_both(config(root, tmp_path, example=False), tmp_path / "out")
    assert on_spark.rows.input == GENERATED_ROWS
    assert assert_same_outputs(duck, on_spark) >= 6
    # the export's Bedrock total, summed independently from the Parquet rows
    assert sum(summary(on_spark).values()) == _bedrock_total(root)
    assert len(read_csv(on_spark.outputs["lines"])) > 100


def _bedrock_total(root: Path) -> Decimal:
    """The period's Bedrock net cost, from the Parquet rows with pyarrow and Decimal."""
    codes = ["AmazonBedrock", "AmazonBedrockService", "AmazonBedrockFoundationModels"]
    codes.append("AmazonBedrockAgentCore")
    total = Decimal(0)
    for path in sorted(root.rglob("*.parquet")):
        t = pq.read_table(path)
        name = pc.utf8_lower(pc.map_lookup(t["product"], "product_name", "first"))
        bedrock = pc.or_kleene(
            pc.or_kleene(
                pc.equal(t["product_product_family"], "Amazon Bedrock"),
                pc.is_in(t["line_item_product_code"], pa.array(codes)),
            ),
            pc.and_kleene(
                pc.equal(t["bill_billing_entity"], "AWS Marketplace"),
                pc.match_substring(name, "bedrock"),
            ),
        )
        month = pc.strftime(t["bill_billing_period_start_date"], "%Y-%m")
        keep = pc.fill_null(pc.and_kleene(bedrock, pc.equal(month, "2026-10")), False)
        rows = t.filter(keep)
        nets = rows["line_item_net_unblended_cost"].to_pylist()
        for net, unblended in zip(nets, rows["line_item_unblended_cost"].to_pylist(), strict=True):
            total += Decimal(repr(net if net is not None else unblended))
    return total.quantize(Decimal("0.01"))


def test_the_cli_over_spark_connect_equals_duckdb(spark: Any, tmp_path: Path) -> None:
    """``chargeback run --engine spark --spark-remote sc://...``: a Spark Connect client, the
    way a cluster (EMR, Databricks, Glue) is used, here served by the local session."""
    out = tmp_path / "connect"
    args = ["run", str(SAMPLE), "--period", "2026-10", "--out", str(out), "--quiet"]
    args += ["--config", str(EXAMPLE), "--engine", "spark", "--spark-remote", spark.remote]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    duck = run_both(config(SAMPLE, tmp_path), tmp_path / "both")[0]
    month = out / "2026-10"
    for written, by_duckdb in (
        (month / "chargeback-2026-10-summary.csv", duck.outputs["summary"]),
        (month / "chargeback-2026-10-lines.csv", duck.outputs["lines"]),
    ):
        assert written.read_bytes() == Path(by_duckdb).read_bytes(), written.name
    amounts = {
        r["cost_center"]: Decimal(r["amount"])
        for r in read_csv(written.parent / "chargeback-2026-10-summary.csv")
    }
    assert amounts == sample_expected()
