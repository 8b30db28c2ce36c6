"""Runtime dependencies are exactly what the installed package imports; the rest is dev."""

from __future__ import annotations

import ast
import re
import sys
import tomllib

from tests.support.paths import REPO

#: Distribution name -> the module it is imported as.
MODULE = {"xlsxwriter": "xlsxwriter", "pyarrow": "pyarrow", "duckdb": "duckdb"}


def imported_modules() -> set[str]:
    found: set[str] = set()
    for path in (REPO / "chargeback").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"chargeback"}


def test_every_runtime_dependency_is_imported_and_every_import_is_a_dependency() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {re.split(r"[<>=\[ ]", d)[0].lower() for d in project["dependencies"]}
    imported = imported_modules() - {"botocore"}  # botocore comes with boto3
    # the spark extra: --engine spark imports it (chargeback/allocate/spark_*.py) and nothing else
    spark = {re.split(r"[<>=\[ ]", d)[0].lower() for d in project["optional-dependencies"]["spark"]}
    assert imported == {MODULE.get(d, d) for d in declared} | spark
    assert "numpy" not in declared  # only the sample generator and benchmarks use it
