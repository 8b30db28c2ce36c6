"""The canonical view for an engine that reads the files itself (``--engine spark``).

The canonical view is defined once, in ``read/schema.py``, as DuckDB expressions over the
files' columns. For Spark that definition is kept as it is: it is built here over empty
stand-in tables, one per group of files (each with the union of its files' columns, from
their footers, and ``FILE_COLUMN``), and handed on as DuckDB SQL that reads those stand-ins
by name. ``allocate/spark_scan.py`` transpiles that SQL and gives each name the files' rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from chargeback.read.files import FILE_COLUMN, InputFile, Source
from chargeback.read.manifest import Manifest
from chargeback.read.schema import ExportSchema, canonical_view


@dataclass(frozen=True)
class CanonicalSql:
    """The canonical view as DuckDB SQL, and the files behind each stand-in table it reads."""

    sql: str
    #: stand-in table name -> (the URIs of its files, its columns with their Arrow types)
    tables: dict[str, tuple[tuple[str, ...], pa.Schema]]


class _StandIns:
    """A ``Source`` whose relations are empty stand-in tables named ``raw_<n>``."""

    def __init__(self, source: Source, con: duckdb.DuckDBPyConnection) -> None:
        self._source = source
        self._con = con
        self._numbers = itertools.count()
        self.tables: dict[str, tuple[tuple[str, ...], pa.Schema]] = {}

    @property
    def root(self) -> str:
        return self._source.root

    @property
    def files(self) -> tuple[InputFile, ...]:
        return self._source.files

    @property
    def manifest(self) -> Manifest | None:
        return self._source.manifest

    @property
    def version(self) -> str:
        return self._source.version

    def relation(
        self, con: duckdb.DuckDBPyConnection, uris: Sequence[str] | None = None
    ) -> duckdb.DuckDBPyRelation:
        wanted = [f for f in self.files if uris is None or f.uri in uris]
        columns: dict[str, pa.DataType] = {}
        for f in wanted:
            for name, kind in f.columns.items():
                columns.setdefault(name, kind)
        columns.pop(FILE_COLUMN, None)
        schema = pa.schema([*columns.items(), (FILE_COLUMN, pa.string())])
        name = f"raw_{next(self._numbers)}"
        self._con.register(name, schema.empty_table())
        self.tables[name] = (tuple(f.uri for f in wanted), schema)
        return self._con.table(name)


def canonical_sql(source: Source, schema: ExportSchema) -> CanonicalSql:
    """``canonical_view`` of ``source`` as SQL over stand-in tables, one per group of files."""
    con = duckdb.connect(":memory:")
    try:
        stand_ins = _StandIns(source, con)
        relation = canonical_view(con, stand_ins, schema)
        return CanonicalSql(relation.sql_query(), stand_ins.tables)
    finally:
        con.close()
