"""Bad input gives the same one-line error on Spark as on DuckDB, and publishes nothing: NULL,
NaN, infinite and oversized costs, duplicate deliveries, a period the export does not hold,
and files whose columns drifted (which read, and must give the same statements).

Each case builds its export with the corpus of tests/e2e/test_bad_input.py and runs the real
pipeline with each engine; Spark runs in local mode (tests/spark/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from chargeback.errors import ChargebackError, ExitCode, InputError
from chargeback.pipeline import run
from chargeback.settings.model import Period, RunConfig, ScanEngine
from tests.e2e.test_bad_input import (
    duplicate_delivery,
    infinite_cost,
    nan_cost,
    null_cost,
    wrong_period,
)
from tests.spark.conftest import SPARK
from tests.support.builders import CUR2_TYPES, tagged, write
from tests.support.engines import assert_same_outputs, run_both

pytestmark = SPARK


def huge_cost(root: Path) -> None:
    write(root / "a.parquet", [tagged("p", "CC-1", 1e26, identity_line_item_id="li-big")])


def huge_usage(root: Path) -> None:
    row = tagged("p", "CC-1", 1.0, identity_line_item_id="li-u", line_item_usage_amount=1e28)
    write(root / "a.parquet", [row])


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "NaN cost": (nan_cost, "{root}/a.parquet: Bedrock line item li-1 has cost nan;"),
    "NULL cost": (null_cost, "{root}/a.parquet: Bedrock line item li-2 has cost NULL;"),
    "infinite cost": (infinite_cost, "{root}/a.parquet: Bedrock line item li-3 has cost -inf;"),
    "cost past DECIMAL(38, 12)": (
        huge_cost,
        "{root}/a.parquet: Bedrock line item li-big has cost 1e+26, beyond what an exact sum",
    ),
    "usage amount past DECIMAL(38, 10)": (
        huge_usage,
        "{root}/a.parquet: Bedrock line item li-u has usage amount 1e+28;",
    ),
    "duplicate delivery": (
        duplicate_delivery,
        "Bedrock line item li-0 appears in both {root}/delivery-1/a.parquet and "
        "{root}/delivery-2/a.parquet (3 line items repeat across files)",
    ),
    "period absent": (
        wrong_period,
        "no rows for 2026-10 in {root}; billing periods present: 2026-09 (3 rows)",
    ),
}


def _error(root: Path, out: Path, engine: ScanEngine) -> ChargebackError:
    config = RunConfig(str(root), Period.parse("2026-10"), str(out), engine=engine)
    with pytest.raises(ChargebackError) as info:
        run(config)
    assert not out.exists() or list(out.iterdir()) == []
    return info.value


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gives_the_same_error_on_spark(spark: Any, case: str, tmp_path: Path) -> None:
    build, expected = CASES[case]
    root = tmp_path / "export"
    build(root)
    on_duckdb = _error(root, tmp_path / "out-duckdb", ScanEngine.DUCKDB)
    on_spark = _error(root, tmp_path / "out-spark", ScanEngine.SPARK)
    assert isinstance(on_spark, InputError)
    assert on_spark.exit_code == ExitCode.INPUT
    assert str(on_spark).startswith(expected.format(root=root)), str(on_spark)
    assert str(on_spark) == str(on_duckdb)


def test_files_whose_columns_drifted_give_the_same_statements(spark: Any, tmp_path: Path) -> None:
    """An older file without the IAM principal and net cost columns, a newer one with them
    and an extra column, and one whose usage amount is an integer: read by name on both."""
    root = tmp_path / "export"
    old = [c for c in CUR2_TYPES if c not in ("line_item_iam_principal",)]
    write(
        root / "old.parquet", [tagged("a", "CC-1", 1.25, identity_line_item_id="o1")], columns=old
    )
    newer = {**CUR2_TYPES, "line_item_iam_principal": pa.string(), "extra_column": pa.int64()}
    rows = [
        tagged(
            "b",
            "CC-2",
            2.5,
            identity_line_item_id="n1",
            line_item_iam_principal="arn:aws:iam::111122223333:user/alice",
            extra_column=7,
        )
    ]
    write(root / "new.parquet", rows, types=newer)
    types = {**CUR2_TYPES, "line_item_usage_amount": pa.int64()}
    usage = [tagged("c", "CC-3", 0.75, identity_line_item_id="i1", line_item_usage_amount=3)]
    write(root / "int.parquet", usage, types=types)
    config = RunConfig(str(root), Period.parse("2026-10"), str(tmp_path / "out"))
    duck, on_spark = run_both(config, tmp_path / "out")
    assert assert_same_outputs(duck, on_spark) >= 6
    assert {t.currency: t.export_bedrock_total for t in on_spark.totals} == {"USD": Decimal("4.50")}
