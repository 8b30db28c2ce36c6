"""The DuckDB session of one run: settings, macros, the canonical view, and named queries.

Queries are the files in ``queries/``; values reach them only as bound parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from .errors import QueryError, TransientQueryError
from .resources import query_text
from .s3location import is_transient_text

CUR_VIEW = "cur"
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Rows:
    """A small query result: column names and rows as tuples."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class Engine:
    """One DuckDB connection with the pipeline's macros loaded."""

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        config: dict[str, Any] = {"TimeZone": "UTC", "autoinstall_known_extensions": False}
        if threads is not None:
            config["threads"] = threads
        if memory_limit is not None:
            config["memory_limit"] = memory_limit
        try:
            self.con = duckdb.connect(":memory:", config=config)
            self.con.execute(query_text("00_macros"))
        except duckdb.Error as e:
            raise QueryError(f"cannot start DuckDB: {e}") from e

    def register_cur(self, relation: duckdb.DuckDBPyRelation) -> None:
        """Make ``relation`` the ``cur`` view every query reads."""
        relation.create_view(CUR_VIEW, replace=True)

    def create_table(self, name: str, table: pa.Table) -> None:
        """Create table ``name`` (a fixed name from the code) holding ``table``'s rows as data."""
        try:
            self.con.from_arrow(table).create(name)
        except duckdb.Error as e:
            raise QueryError(f"cannot load table {name}: {_first_line(e)}") from e

    def execute(self, name: str, params: Mapping[str, Any] | None = None) -> None:
        """Run a query that creates a table."""
        self._run(name, params)

    def fetch(self, name: str, params: Mapping[str, Any] | None = None) -> Rows:
        """Run a query and fetch its (small) result."""
        cursor = self._run(name, params)
        columns = tuple(d[0] for d in cursor.description or ())
        return Rows(columns, cursor.fetchall())

    def _run(self, name: str, params: Mapping[str, Any] | None) -> duckdb.DuckDBPyConnection:
        sql = query_text(name)
        wanted = set(_PARAM.findall(sql))
        missing = wanted - set(params or {})
        if missing:
            raise QueryError(f"queries/{name}.sql needs parameters {sorted(missing)}")
        bound = {k: v for k, v in (params or {}).items() if k in wanted}
        try:
            return self.con.execute(sql, bound or None)
        except duckdb.Error as e:
            if is_transient_text(str(e)):  # S3 failed under the scan: a retry may succeed
                raise TransientQueryError(
                    f"query queries/{name}.sql failed reading S3 ({_first_line(e)}): "
                    "S3 is unavailable or throttling; try again"
                ) from e
            raise QueryError(f"query queries/{name}.sql failed: {_first_line(e)}") from e

    def close(self) -> None:
        self.con.close()


def _first_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return lines[0] if lines else type(e).__name__
