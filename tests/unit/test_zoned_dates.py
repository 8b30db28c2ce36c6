"""A billing period written as a timestamp with a time zone is read as the cast would read it
in the engine's UTC session (``read/columns.as_sql_type``: from the instant, without the
cast's per-row time-zone arithmetic), whatever zone the file names."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chargeback.allocate.engine import Engine
from chargeback.read.columns import as_sql_type

INSTANTS = [
    datetime(2026, 10, 1, tzinfo=UTC),
    datetime(2026, 9, 30, 23, 59, 59, 999000, tzinfo=UTC),
    datetime(2026, 10, 31, 23, 0, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 0, tzinfo=UTC),
    None,
]


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "+05:30"])
@pytest.mark.parametrize("unit", ["ms", "us"])
def test_zoned_dates_read_as_their_utc_time(tmp_path: Path, zone: str, unit: str) -> None:
    arrow_type = pa.timestamp(unit, tz=zone)
    path = tmp_path / "dates.parquet"
    pq.write_table(pa.table({"d": pa.array(INSTANTS, type=arrow_type)}), path)
    engine = Engine(threads=1)
    try:
        raw = engine.con.read_parquet(str(path))
        got = [r[0] for r in raw.select(as_sql_type("d", arrow_type, "TIMESTAMP")).fetchall()]
        cast = [r[0] for r in raw.select("CAST(d AS TIMESTAMP)").fetchall()]
    finally:
        engine.close()
    want = [None if i is None else i.astimezone(UTC).replace(tzinfo=None) for i in INSTANTS]
    assert got == want
    assert got == cast  # what the view read before, in the engine's UTC session


def test_other_types_are_cast() -> None:
    expression = as_sql_type("d", pa.string(), "TIMESTAMP")
    assert "CAST" in str(expression).upper()
    naive = as_sql_type("d", pa.timestamp("ms"), "TIMESTAMP")
    assert "CAST" in str(naive).upper()
