"""Spark reads the files that share a schema in one ``spark.read.parquet`` and names each row's
file from ``_metadata.file_path``: the file names the run reports must still be the URIs as
listed, as DuckDB has them, even where Spark percent-encodes them (spaces, ``%``, ``#``, ``+``,
non-ASCII), and files of one group whose columns differ are read apart and unioned.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from chargeback.settings.resolve import resolve_run_config
from tests.spark.conftest import SPARK
from tests.support.engines import assert_same_outputs, run_both
from tests.support.paths import SAMPLE
from tests.support.runs import summary
from tests.support.sample_month import EXAMPLE, sample_expected

pytestmark = SPARK


def _config(source: Path, tmp_path: Path) -> Any:
    return resolve_run_config(
        str(source),
        "2026-10",
        config_file=str(EXAMPLE),
        out=str(tmp_path / "out"),
        environ={},
        cwd=tmp_path,
    )


def test_awkward_file_names_are_reported_as_listed(spark: Any, tmp_path: Path) -> None:
    root = tmp_path / "ex port %20 #1+é"
    shutil.copytree(SAMPLE / "data", root / "data")  # no manifest: it names the files
    for i, path in enumerate(sorted(root.rglob("*.parquet"))):
        path.rename(path.with_name(f"part {i} %41+#é.snappy.parquet"))
    duck, on_spark = run_both(_config(root, tmp_path), tmp_path / "out")
    assert assert_same_outputs(duck, on_spark) >= 6
    listed = sorted(str(p) for p in root.rglob("*.parquet"))
    assert sorted(f.uri for f in on_spark.files) == listed
    assert [f.rows for f in on_spark.files] == [f.rows for f in duck.files]
    assert summary(on_spark) == sample_expected()


def test_files_of_one_group_with_other_columns(spark: Any, tmp_path: Path) -> None:
    root = tmp_path / "drift"
    shutil.copytree(SAMPLE, root)
    first = sorted(root.rglob("*.parquet"))[0]
    table = pq.read_table(first)
    dropped = "line_item_line_item_description"
    assert dropped in table.column_names
    pq.write_table(table.drop_columns([dropped]), first, compression="snappy")
    duck, on_spark = run_both(_config(root, tmp_path), tmp_path / "out")
    assert assert_same_outputs(duck, on_spark) >= 6
    assert summary(on_spark) == sample_expected()
