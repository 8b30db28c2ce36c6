"""The shipped sample month, CUR 2.0 and legacy CUR: per cost center amounts to the cent,
against sums computed here in plain Python from the Parquet rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from sample_data.generator.cur2 import bedrock_sample_rows, write_legacy_cur
from tests.support.paths import SAMPLE
from tests.support.runs import RunFn, read_csv, summary_amounts
from tests.support.sample_month import check, exact_by_bucket, sample_rows


def test_sample_cur2(run_on: RunFn) -> None:
    result = run_on(SAMPLE)
    summary = summary_amounts(result)
    check(summary, read_csv(Path(result.outputs["lines"])), exact_by_bucket(sample_rows()))
    # the published figures of sample_data/README.md
    assert summary == {
        "CC-1001": "3195.45",
        "CC-2002": "1248.77",
        "CC-3003": "1619.89",
        "UNATTRIBUTED": "533.72",
    }
    assert result.info["source"]["manifest"] is not None
    assert result.info["rows"]["bedrock"] == 9377


@pytest.fixture(scope="module")
def legacy_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("legacy")
    write_legacy_cur(root, bedrock_sample_rows("2026-10", 7))
    # a legacy folder holds other billing periods too: select by date, never by folder
    write_legacy_cur(root, bedrock_sample_rows("2026-09", 7), name="bedrock-legacy-sept")
    return root


def test_sample_legacy_cur(run_on: RunFn, legacy_export: Path) -> None:
    rows: list[dict[str, Any]] = []
    for path in sorted(legacy_export.rglob("*.parquet")):
        rows.extend(pq.read_table(path).to_pylist())
    result = run_on(legacy_export)
    assert result.info["source"]["schema"] == "legacy_cur"
    summary = summary_amounts(result)
    check(summary, read_csv(Path(result.outputs["lines"])), exact_by_bucket(rows, legacy=True))
    assert summary == {
        "CC-1001": "3195.45",
        "CC-2002": "1248.77",
        "CC-3003": "1619.89",
        "UNATTRIBUTED": "533.72",
    }
