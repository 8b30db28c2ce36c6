"""The pipeline holds raw Bedrock rows for one chunk of files at a time, then frees them."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import tagged, write

import chargeback.allocate
from chargeback.allocate import allocate
from chargeback.config import Period, RunConfig
from chargeback.engine import Engine
from chargeback.schema import canonical_relation, detect_schema
from chargeback.source import open_source
from chargeback.statements import UNATTRIBUTED


@pytest.mark.parametrize("chunk_rows", [1, 4_000_000], ids=["chunk-per-file", "one-chunk"])
def test_lines_of_every_chunk_are_kept_once_and_raw_rows_are_freed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    monkeypatch.setattr(chargeback.allocate, "CHUNK_ROWS", chunk_rows)
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
    assert tables == {"allocated", "cc_lookup", "map_account", "map_principal", "map_resource"}
    assert {"bedrock_lines", "cur"} <= views  # the lines once, in allocated; no raw rows left
    assert [f.bedrock_rows for f in allocation.files] == [2, 1, 2]
    usd = allocation.totals[0]
    assert {c.cost_center: str(c.amount) for c in usd.cost_centers} == {
        "CC-1": "3.40",
        "CC-2": "4.06",
        UNATTRIBUTED: "0.20",
    }
