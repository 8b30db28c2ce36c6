"""The queries of ``queries/`` in Spark SQL: the same files, transpiled, so the rules never fork.

DuckDB runs ``queries/*.sql`` as written. For ``--engine spark`` this module turns the scan's
queries into Spark SQL with sqlglot (DuckDB dialect in, Spark dialect out) and does the two
things a transpiler cannot know about:

- the macros of ``00_macros.sql`` and the table macros of ``12_bedrock_period_lines.sql`` are
  expanded where they are called (Spark has no macros): a call becomes the macro's body with
  its arguments in place of its parameters, as DuckDB does;
- DuckDB functions without a Spark twin sqlglot maps are rewritten (``isfinite``, ``hash``,
  ``list_position``), and a ``DELETE`` (15) becomes the ``SELECT`` of the rows it keeps.

Values still arrive only as parameters: ``$name`` becomes Spark's named marker ``:name`` and
the values are bound by ``spark.sql(text, args=...)``. sqlglot loads only with the Spark
engine (the ``spark`` extra).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import sqlglot
from sqlglot import exp

from chargeback.allocate.queries import query_text

#: The files whose ``CREATE MACRO`` statements define the macros the scan's queries call.
MACRO_FILES: tuple[str, ...] = ("00_macros", "12_bedrock_period_lines")

#: The queries that run on Spark: the scan of the export and the checks that read it again.
SPARK_QUERIES: tuple[str, ...] = (
    "10_rows_by_file",
    "11_periods",
    "13_bedrock_groups",
    "14_undated_bedrock_lines",
    "15_marketplace_lines",
    "18_bedrock_days",
    "20_bedrock_rows_by_file",
    "21_bad_amounts",
    "22_duplicate_keys",
    "23_duplicate_lines",
    "25_unit_descriptions",
)


@dataclass(frozen=True)
class Macro:
    """One DuckDB macro: its parameters and body (an expression, or a query for a table macro)."""

    name: str
    params: tuple[str, ...]
    body: exp.Expr
    table: bool


@cache
def macros() -> dict[str, Macro]:
    """The macros defined in ``MACRO_FILES``, by name."""
    found: dict[str, Macro] = {}
    for name in MACRO_FILES:
        for statement in sqlglot.parse(query_text(name), read="duckdb"):
            if not isinstance(statement, exp.Create) or statement.kind != "MACRO":
                continue
            function = statement.this
            params = tuple(p.name for p in function.expressions)
            body = statement.expression
            name_of = function.this.name.lower()  # a Table node: the macro's name
            found[name_of] = Macro(name_of, params, body, isinstance(body, exp.Query))
    return found


@cache
def spark_query(name: str) -> str:
    """``queries/<name>.sql`` as one Spark SQL query (a ``CREATE TABLE ... AS`` as its
    ``SELECT``, a ``DELETE`` as the ``SELECT`` of the rows it keeps)."""
    statement = sqlglot.parse_one(query_text(name), read="duckdb")
    query = _as_query(name, statement)
    query = expand_macros(query)
    query = query.transform(_spark_functions)
    return query.sql(dialect="spark", pretty=True, comments=False)


def _as_query(name: str, statement: exp.Expr) -> exp.Expr:
    if isinstance(statement, exp.Create) and isinstance(statement.expression, exp.Query):
        return statement.expression
    if isinstance(statement, exp.Delete):
        # DELETE FROM t WHERE c keeps the rows where c is false or NULL
        where = statement.args["where"].this
        kept = exp.not_(exp.func("coalesce", exp.paren(where.copy()), exp.false()))
        return exp.select("*").from_(statement.this.copy()).where(kept)
    if isinstance(statement, exp.Query):
        return statement
    raise ValueError(f"queries/{name}.sql is not a query Spark can run")


def expand_macros(tree: exp.Expr) -> exp.Expr:
    """``tree`` with every macro call replaced by the macro's body, until none is left."""
    known = macros()
    for _ in range(20):  # macros call macros; a cycle would be a bug in queries/
        calls = [node for node in tree.find_all(exp.Anonymous) if node.name.lower() in known]
        if not calls:
            return tree
        for call in calls:
            macro = known[call.name.lower()]
            body = _substituted(macro, call.expressions)
            if macro.table:
                table = call.parent
                assert isinstance(table, exp.Table), f"table macro {macro.name} outside FROM"
                alias = table.args.get("alias")
                name = exp.TableAlias(this=exp.to_identifier(macro.name))
                subquery = exp.Subquery(this=body, alias=alias.copy() if alias else name)
                if table is tree:
                    tree = subquery
                else:
                    table.replace(subquery)
            else:
                replacement = exp.paren(body) if not isinstance(body, exp.Paren) else body
                if call is tree:
                    tree = replacement
                else:
                    call.replace(replacement)
    raise ValueError("macros in queries/ call each other without end")


def _substituted(macro: Macro, args: list[exp.Expr]) -> exp.Expr:
    if len(args) != len(macro.params):
        raise ValueError(f"macro {macro.name} takes {len(macro.params)} arguments, got {len(args)}")
    values = {p.lower(): a for p, a in zip(macro.params, args, strict=True)}

    def put(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table and node.name.lower() in values:
            return values[node.name.lower()].copy()
        return node

    return macro.body.copy().transform(put)


def _isfinite(args: list[exp.Expr]) -> exp.Expr:
    (x,) = args
    infinity = exp.cast(exp.Literal.string("Infinity"), "DOUBLE")
    return exp.paren(
        exp.and_(
            exp.not_(exp.func("isnan", x.copy())),
            exp.NEQ(this=exp.func("abs", x.copy()), expression=infinity),
        )
    )


_RENAMED: dict[str, Callable[[list[exp.Expr]], exp.Expr]] = {
    "isfinite": _isfinite,
    # a 64-bit hash, as DuckDB's: Spark's hash() has 32 bits, which would make 22 name
    # many candidate keys for 23 to read the export again for
    "hash": lambda args: exp.Anonymous(this="xxhash64", expressions=[a.copy() for a in args]),
    # the canonical view reads a zoned date as TIMESTAMP from its instant (read/columns.py)
    "epoch_us": lambda args: exp.Anonymous(
        this="unix_micros", expressions=[a.copy() for a in args]
    ),
    "list_position": lambda args: exp.Anonymous(
        this="array_position", expressions=[a.copy() for a in args]
    ),
}


def _spark_functions(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Anonymous) and node.name.lower() in _RENAMED:
        return _RENAMED[node.name.lower()](list(node.expressions))
    return node


def parameters(sql: str) -> set[str]:
    """The named parameter markers (``:name``) of a transpiled query."""
    return {p.name for p in sqlglot.parse_one(sql, read="spark").find_all(exp.Placeholder)}


def spark_text(duckdb_sql: str) -> str:
    """Any DuckDB query (the canonical view ``read/spark_view.py`` builds) as Spark SQL."""
    query = sqlglot.parse_one(duckdb_sql, read="duckdb")
    for cte in query.find_all(exp.CTE):
        cte.set("materialized", None)  # DuckDB's NOT MATERIALIZED: Spark has no such hint
    return query.transform(_spark_functions).sql(dialect="spark", pretty=True, comments=False)
