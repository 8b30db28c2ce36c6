"""The transpiled scan queries: one definition (queries/*.sql) for DuckDB and Spark.

Needs sqlglot (the spark extra), not Spark: every query Spark runs transpiles, with no DuckDB
macro or function left that Spark lacks, and its parameters are the DuckDB query's.
"""

from __future__ import annotations

import re

import pytest

from chargeback.allocate.queries import query_text

sqlglot = pytest.importorskip("sqlglot")

from chargeback.allocate.spark_sql import (  # noqa: E402
    SPARK_QUERIES,
    expand_macros,
    macros,
    parameters,
    spark_query,
)

#: DuckDB-only names that must never reach Spark.
DUCKDB_ONLY = ("isfinite", "list_position", "list_contains", "exclude", "hash(", "strftime")


def test_every_macro_of_the_scan_is_found() -> None:
    assert {"tag_value", "bedrock_selected_by", "exact_cost", "exact_quantity"} <= set(macros())
    assert macros()["bedrock_candidate_lines"].table
    assert not macros()["tag_value"].table


@pytest.mark.parametrize("name", SPARK_QUERIES)
def test_each_scan_query_transpiles_without_duckdb_leftovers(name: str) -> None:
    text = spark_query(name).lower()
    for macro in macros():
        assert f"{macro}(" not in text, (name, macro)
    for word in DUCKDB_ONLY:
        assert word not in text.replace("xxhash64(", ""), (name, word)
    # the same parameters as the DuckDB query: values stay bound, never pasted
    duckdb_params = set(re.findall(r"\$([a-z_][a-z0-9_]*)", query_text(name)))
    assert parameters(spark_query(name)) == duckdb_params


def test_a_change_to_the_bedrock_rule_reaches_spark() -> None:
    """The rule is the macro's body: the Spark text carries its product codes and names."""
    text = spark_query("13_bedrock_groups")
    for code in ("AmazonBedrockService", "AmazonBedrockAgentCore", "(bedrock edition)"):
        assert code.lower() in text.lower()
    assert "xxhash64(" in text.lower()  # a 64-bit line key, as DuckDB's hash


def test_a_delete_becomes_the_select_of_the_rows_it_keeps() -> None:
    text = spark_query("15_marketplace_lines").lower()
    assert text.startswith("select")
    assert "not coalesce(" in text and "delete" not in text


def test_macro_arguments_replace_its_parameters() -> None:
    tree = sqlglot.parse_one("SELECT exact_cost(a + 1) AS x FROM t", read="duckdb")
    text = expand_macros(tree).sql("duckdb").lower()
    assert "cast(cast(a + 1 as text) as decimal(38, 12))" in text.replace("varchar", "text")
    assert "isfinite(a + 1)" in text and "(x)" not in text
