"""The pipeline sums Bedrock lines into groups in the scan, and frees each table once the
next step holds what it needs."""

from __future__ import annotations

from pathlib import Path

from chargeback.allocate.allocation import allocate
from chargeback.allocate.engine import Engine
from chargeback.allocate.statements import UNATTRIBUTED
from chargeback.read.schema import canonical_relation, detect_schema
from chargeback.read.sources import open_source
from chargeback.settings.model import Period, RunConfig
from tests.support.builders import tagged, write


def test_lines_of_every_file_are_kept_and_copies_are_freed(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "BILLING_PERIOD=2026-10"
    write(folder / "x-00001.parquet", [tagged("a", "CC-1", 1.10), tagged("b", None, 0.20)])
    write(folder / "x-00002.parquet", [tagged("a", "CC-1", 2.30)])
    write(folder / "x-00003.parquet", [tagged("c", "CC-2", 4.05), tagged("c", "CC-2", 0.01)])
    config = RunConfig(source=str(tmp_path), period=Period.parse("2026-10"), out="unused")
    source = open_source(config.source, config.period)
    engine = Engine()
    try:
        schema = detect_schema(source.files, [config.cost_center_tag])
        engine.register_cur(canonical_relation(source.relation(engine.con), schema))
        allocation = allocate(engine, config, {f.uri: f.rows for f in source.files})
        tables = {
            r[0] for r in engine.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        views = {
            r[0] for r in engine.con.execute("SELECT view_name FROM duckdb_views()").fetchall()
        }
    finally:
        engine.close()
    assert "bedrock_groups" not in tables  # freed once normalized and checked for duplicates
    assert "bedrock_lines" not in tables  # freed once `allocated` holds every group
    assert "allocated" in tables and "cur" in views
    assert [f.bedrock_rows for f in allocation.files] == [2, 1, 2]
    usd = allocation.totals[0]
    assert {c.cost_center: str(c.amount) for c in usd.cost_centers} == {
        "CC-1": "3.40",
        "CC-2": "4.06",
        UNATTRIBUTED: "0.20",
    }
    (cc2,) = [c for c in usd.cost_centers if c.cost_center == "CC-2"]
    assert [(ln.line_items, str(ln.exact_amount)) for ln in cc2.lines] == [(2, "4.060000000000")]
