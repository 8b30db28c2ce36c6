"""An export on S3 with a local Spark session: the pyspark wheel has no S3 connector
(hadoop-aws), so the run stops with one line saying so and what to do, and writes nothing.
On a cluster (``--spark-remote``) Spark reads ``s3://`` with the cluster's own connector,
which no test here can reach; the tests read local paths for that reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chargeback.errors import InputError
from chargeback.pipeline import run
from chargeback.settings.model import Period, RunConfig, ScanEngine
from tests.spark.conftest import SPARK
from tests.support.paths import SAMPLE
from tests.support.s3server import S3

pytestmark = SPARK


def test_an_s3_export_on_a_local_session_names_the_missing_connector(
    spark: Any, s3: S3, tmp_path: Path
) -> None:
    s3.client.create_bucket(Bucket="cur-exports")
    s3.upload_tree(SAMPLE / "data", "cur-exports", "cur/sample/data")  # no manifest
    out = tmp_path / "out"
    config = RunConfig(
        "s3://cur-exports/cur/sample", Period.parse("2026-10"), str(out), engine=ScanEngine.SPARK
    )
    with pytest.raises(InputError) as info:
        run(config)
    message = str(info.value)
    assert message.startswith("Spark cannot read s3://cur-exports/cur/sample/data/"), message
    assert "no S3 connector (hadoop-aws)" in message and "\n" not in message
    assert not out.exists() or list(out.iterdir()) == []
