"""One local Spark session for every test here: Spark starts slowly (seconds), so the tests
that need it share it, on one xdist worker (``xdist_group``, pyproject's ``--dist loadgroup``).

The session is the one ``--engine spark`` itself starts (``allocate/spark_scan.py``): local
mode, bound to 127.0.0.1, no web UI, few shuffle partitions. Without pyspark or Java the tests
are skipped with the reason shown, except in CI (CI=true), which installs both and must run them.
"""

from __future__ import annotations

import os
import shutil
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
    from chargeback.allocate.spark_scan import spark_session

    session = spark_session(None, threads=2)
    yield session
    session.stop()
