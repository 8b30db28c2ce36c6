"""One local Spark session for every test here: Spark starts slowly (seconds), so the tests
that need it share it, on one xdist worker (``xdist_group``, pyproject's ``--dist loadgroup``).

The session has the settings ``--engine spark`` gives a local one (``allocate/spark_scan.py``:
local mode, bound to 127.0.0.1, no web UI, few shuffle partitions), so the runs' own
``spark_session`` finds it, and it also serves Spark Connect on a free loopback port, so
``--spark-remote sc://127.0.0.1:PORT`` is tested against a real Connect server. Without pyspark
or Java the tests are skipped with the reason shown, except in CI (CI=true), which installs
both and must run them.
"""

from __future__ import annotations

import os
import shutil
import socket
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

#: Marks for every test that runs Spark: together, on one worker.
SPARK = [pytest.mark.spark, pytest.mark.xdist_group("spark")]


def _missing() -> str | None:
    try:
        import pyspark  # noqa: F401
        import sqlglot  # noqa: F401
    except ImportError:
        return "pyspark and sqlglot are not installed (pip install -e '.[dev,spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is not installed (Debian: apt-get install openjdk-17-jre-headless)"
    return None


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    missing = _missing()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the Spark tests: {missing}")
        pytest.skip(missing)
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from pyspark.sql import SparkSession

    from chargeback.allocate.spark_scan import LOCAL_CONF

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    builder = SparkSession.builder.master("local[2]").appName("chargeback-tests")
    for key, value in {
        **LOCAL_CONF,
        "spark.plugins": "org.apache.spark.sql.connect.SparkConnectPlugin",
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
    }.items():
        builder = builder.config(key, value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield SparkHandle(session, f"sc://127.0.0.1:{port}")
    session.stop()


class SparkHandle:
    """The local session, and the Spark Connect URL it serves."""

    def __init__(self, session: Any, remote: str) -> None:
        self.session = session
        self.remote = remote
