"""pyspark and sqlglot load only with ``--engine spark``: importing the package, the CLI or the
Lambda handler, and a DuckDB run, never import them (pyspark alone takes seconds to import)."""

from __future__ import annotations

import pytest

from tests.docs.test_import_hygiene import imported_after

SPARK_PACKAGES = {"pyspark", "sqlglot", "py4j"}


@pytest.mark.parametrize(
    "statement",
    [
        "import chargeback",
        "import chargeback.frontends.aws_lambda",
        "import chargeback.frontends.cli",
        "import chargeback.pipeline",
    ],
)
def test_importing_the_package_never_imports_pyspark(statement: str) -> None:
    modules = imported_after(statement)
    assert {m.split(".")[0] for m in modules} & SPARK_PACKAGES == set()


def test_a_duckdb_run_never_imports_pyspark(tmp_path: object) -> None:
    run = (
        "from chargeback import run, RunConfig; from chargeback.settings.model import Period; "
        f"run(RunConfig('sample_data/bedrock-cur2', Period.parse('2026-10'), r'{tmp_path}'))"
    )
    modules = imported_after(run)
    assert "chargeback.allocate.allocation" in modules
    assert {m.split(".")[0] for m in modules} & SPARK_PACKAGES == set()


def test_the_check_would_see_pyspark() -> None:
    pytest.importorskip("pyspark")
    pytest.importorskip("sqlglot")
    # the Spark engine's module brings sqlglot; pyspark it imports when a session starts
    modules = imported_after("import chargeback.allocate.spark_scan")
    assert "sqlglot" in {m.split(".")[0] for m in modules}
