"""The benchmark's scale generator: its export goes through ``chargeback run`` and the
statements' totals equal an independent DuckDB sum over the generated files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from benchmarks.generate import CALLERS_PER_PROJECT, CUR2_SCHEMA, Generated, generate
from chargeback.pipeline import run
from chargeback.settings.model import Period, RunConfig
from tests.support.paths import REPO

CENT = Decimal("0.01")

# Written here from the export's documented rules, not taken from the tool's SQL.
INDEPENDENT = """
SELECT
    line_item_currency_code AS currency,
    coalesce(
        nullif(trim(resource_tags['user_cost_center']), ''),
        nullif(trim(tags['resourceTags/CostCenter']), ''),
        'UNATTRIBUTED'
    ) AS cost_center,
    sum(CAST(coalesce(line_item_net_unblended_cost, line_item_unblended_cost)
             AS DECIMAL(38, 12))) AS amount,
    count(*) AS line_items
FROM read_parquet($files)
WHERE bill_billing_period_start_date >= DATE '2026-10-01'
  AND bill_billing_period_start_date < DATE '2026-11-01'
  AND (product_product_family = 'Amazon Bedrock'
       OR line_item_product_code LIKE 'AmazonBedrock%'
       OR (bill_billing_entity = 'AWS Marketplace'
           AND product['product_name'] LIKE '%(Amazon Bedrock Edition)'))
GROUP BY ALL
"""


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    root = tmp_path_factory.mktemp("scale") / "export"
    return generate(root, 30_000, seed=7, files=3, other_period_share=0.1, batch_rows=4_000)


def utc_duckdb() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that reads the export's UTC timestamps in UTC, whatever TZ says."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def independent(files: tuple[Path, ...]) -> dict[tuple[str, str], tuple[Decimal, int]]:
    con = utc_duckdb()
    rows = con.execute(INDEPENDENT, {"files": [str(f) for f in files]}).fetchall()
    return {(cur, cc): (Decimal(amount), int(n)) for cur, cc, amount, n in rows}


def test_generator_writes_the_full_cur2_column_set_in_several_files(export: Generated) -> None:
    assert len(export.files) == 3
    assert all(f.parent.name == "BILLING_PERIOD=2026-10" for f in export.files)
    schema = pq.read_schema(export.files[0])
    assert len(schema) >= 125
    assert schema.equals(CUR2_SCHEMA)
    for name in ("resource_tags", "tags", "product", "cost_category"):
        assert schema.field(name).type == pa.map_(pa.string(), pa.string())
    assert schema.field("discount").type == pa.map_(pa.string(), pa.float64())
    assert sum(pq.read_metadata(f).num_rows for f in export.files) == 30_000


def test_about_five_percent_of_rows_are_bedrock(export: Generated) -> None:
    found = sum(n for _, n in independent(export.files).values())
    # 10% of rows belong to the previous period; Bedrock is 5% of each period
    assert 0.04 * 27_000 < found < 0.06 * 27_000
    assert 0.04 * 30_000 < export.bedrock_rows < 0.06 * 30_000


def test_lines_look_like_an_hourly_export(export: Generated) -> None:
    """A project is called by a few roles (its application's), not by any principal; the
    line's identity_time_interval is its usage hour in AWS's ``start/end`` form."""
    con = utc_duckdb()
    files = [str(f) for f in export.files]
    callers = con.execute(
        "SELECT max(n), count(*) FROM (SELECT line_item_resource_id, "
        "count(DISTINCT line_item_iam_principal) AS n FROM read_parquet($files) "
        "WHERE line_item_iam_principal IS NOT NULL GROUP BY ALL)",
        {"files": files},
    ).fetchone()
    assert callers is not None
    assert callers[1] > 100  # many projects ...
    assert 1 <= callers[0] <= CALLERS_PER_PROJECT  # ... each with its own few callers
    mismatched = con.execute(
        "SELECT count(*) FROM read_parquet($files) WHERE identity_time_interval <> "
        "strftime(line_item_usage_start_date, '%Y-%m-%dT%H:%M:%SZ') || '/' || "
        "strftime(line_item_usage_end_date, '%Y-%m-%dT%H:%M:%SZ')",
        {"files": files},
    ).fetchone()
    assert mismatched == (0,)


def test_same_seed_same_export_other_seed_other_export(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 5_000, seed=3, files=2, batch_rows=1_000)
    b = generate(tmp_path / "b", 5_000, seed=3, files=2, batch_rows=1_000)
    c = generate(tmp_path / "c", 5_000, seed=4, files=2, batch_rows=1_000)
    for fa, fb, fc in zip(a.files, b.files, c.files, strict=True):
        assert pq.read_table(fa).equals(pq.read_table(fb))
        assert not pq.read_table(fa).equals(pq.read_table(fc))


def test_same_seed_same_export_in_another_process(tmp_path: Path) -> None:
    """Deterministic across processes too: Python randomizes string hashes per process, so
    nothing may depend on the order of a set of names (a set of columns once decided which
    random draw fed which column)."""
    script = REPO / "benchmarks" / "generate.py"
    outs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"hash-seed-{hash_seed}"
        subprocess.run(
            [sys.executable, str(script), "--rows", "3000", "--seed", "5", "--out", str(out)],
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        outs.append(sorted(out.rglob("*.parquet")))
    assert len(outs[0]) == len(outs[1]) >= 1
    for fa, fb in zip(*outs, strict=True):
        assert pq.read_table(fa).equals(pq.read_table(fb)), fa.name


def test_chargeback_run_equals_an_independent_sum_over_the_files(
    export: Generated, tmp_path: Path
) -> None:
    expected = independent(export.files)
    result = run(
        RunConfig(source=str(export.root), period=Period.parse("2026-10"), out=str(tmp_path))
    )
    totals = {t.currency: t for t in result.allocation.totals}
    assert set(totals) == {cur for cur, _ in expected} == {"USD"}
    usd = totals["USD"]
    exact_total = sum((a for a, _ in expected.values()), Decimal(0))
    assert usd.exact_total == exact_total
    assert usd.total == exact_total.quantize(CENT, rounding="ROUND_HALF_UP")
    by_center = {c.cost_center: c for c in usd.cost_centers}
    assert set(by_center) == {cc for _, cc in expected}
    assert len(by_center) > 20  # many cost centers, and an UNATTRIBUTED bucket
    for (_, cc), (amount, n) in expected.items():
        assert by_center[cc].exact_amount == amount, cc
        assert abs(by_center[cc].amount - amount) <= CENT, cc
        assert sum(ln.line_items for ln in by_center[cc].lines) == n, cc
    assert sum(c.amount for c in usd.cost_centers) == usd.total

    info: dict[str, Any] = json.loads((tmp_path / "2026-10" / "run.json").read_text())
    assert info["rows"]["input"] == 30_000
    assert info["rows"]["bedrock"] == sum(n for _, n in expected.values())
    assert info["rows"]["period"] < 30_000  # the previous period's rows were left out
    assert info["statement_lines"] == len(result.allocation.lines)
    assert set(info["phase_seconds"]) == {"read_and_allocate", "write"}
