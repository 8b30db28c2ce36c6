"""``--engine spark``: the scan of the export runs on Apache Spark, where the data is.

Spark reads the files and runs the queries that read them (10, 11, 13, 14, 15, 21, 22, 23 of
``queries/``, transpiled by ``allocate/spark_sql.py``): the row counts per file, the period's
Bedrock selection and its grouping, the duplicate-line check and the search for bad amounts.
Only the grouped result (one row per group of lines, ``bedrock_groups`` without its line
keys) comes back, as Arrow, into the DuckDB engine, which allocates, rounds and writes as it
does for a DuckDB scan.

The session is a Spark Connect one (``--spark-remote sc://HOST:PORT``: EMR, Databricks, Glue)
or a local one (``local[N]`` on this machine, bound to loopback). pyspark and sqlglot load
only here, and this module loads only with the Spark engine.

The files of one group that share a schema are read with one ``spark.read.parquet`` (Spark
plans one scan, not one per file), each row's file named from Spark's hidden
``_metadata.file_path`` mapped back to the URI as listed; groups and schemas are unioned by
name.

TODO(spark): files are still listed, and their footers read, by the local ``read`` layer
(pyarrow) before Spark reads them: for many thousands of files on S3 that listing, not
Spark, is the slow part (let Spark list a prefix instead). Spark Connect is
tested against the local session serving it, not a cluster; S3 on a local session needs
hadoop-aws, which pyspark's wheel lacks. Dates some files hold as text are checked by the
DuckDB engine before its scan (read/columns.py names a value that is not a date); on Spark a
bad one stops the run with Spark's cast error instead.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from chargeback.allocate.engine import Engine, Rows
from chargeback.allocate.spark_sql import parameters, spark_query, spark_text
from chargeback.errors import ConfigError, InputError, QueryError, first_line
from chargeback.read.files import FILE_COLUMN, Source
from chargeback.read.schema import ExportSchema
from chargeback.read.spark_view import canonical_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

#: A local (classic) or a Spark Connect session: pyspark gives the two no common type.
Session = Any

#: The table of groups the scan hands over (13, after 15), as Spark and DuckDB name it.
GROUPS = "bedrock_groups"
#: Each group's spend by usage day (18), as Spark and DuckDB name it.
DAYS = "bedrock_days"
#: The tables the scan's queries make on Spark, by query.
MADE = {"13_bedrock_groups": GROUPS, "18_bedrock_days": DAYS, "15_marketplace_lines": GROUPS}
#: The names the handed-over Arrow tables have in DuckDB while 19 copies them.
HANDED_OVER = "spark_groups"
HANDED_OVER_DAYS = "spark_days"

#: Settings of a local session: on loopback, no web UI, few shuffle partitions (Spark's 200
#: are for clusters), UTC like the DuckDB engine.
LOCAL_CONF: dict[str, str] = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
}


def spark_session(remote: str | None, threads: int | None = None) -> Session:
    """A Spark Connect session for ``remote`` (``sc://...``), else a local one."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as e:
        raise ConfigError(
            "--engine spark needs pyspark: pip install 'bedrock-chargeback[spark]'"
        ) from e
    logging.getLogger("py4j").setLevel(logging.ERROR)
    try:
        if remote:
            # the Connect client's own builder: a plain client, even in a process that also
            # runs a local session (as the tests do, serving Spark Connect from it)
            from pyspark.sql.connect.session import SparkSession as ConnectSession

            with warnings.catch_warnings():  # pyspark's note that it prefers pandas < 3
                warnings.simplefilter("ignore", FutureWarning)
                client = ConnectSession.builder.remote(remote).getOrCreate()
            client.conf.set("spark.sql.session.timeZone", "UTC")
            return client
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = SparkSession.builder.master(f"local[{threads or '*'}]").appName(
            "bedrock-chargeback"
        )
        for key, value in LOCAL_CONF.items():
            builder = builder.config(key, value)
        with warnings.catch_warnings():  # pyspark's note that it prefers pandas < 3
            warnings.simplefilter("ignore", FutureWarning)
            session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        return session
    except Exception as e:  # pyspark raises many kinds: Java missing, Connect unreachable
        where = f"Spark Connect at {remote}" if remote else "a local Spark session"
        raise QueryError(
            f"cannot start {where}: {first_line(e)}; check that "
            + ("the server is running and reachable" if remote else "Java 17 or later is installed")
        ) from e


def spark_path(uri: str, local_session: bool) -> str:
    """Where Spark finds a file: local paths as they are; ``s3://`` as ``s3a://`` (Hadoop's
    S3 connector) in a local session, unchanged on a cluster (EMR, Databricks and Glue read
    ``s3://`` with their own connector)."""
    if local_session and uri.startswith("s3://"):
        return "s3a://" + uri.removeprefix("s3://")
    return uri


class SparkScan:
    """The export's files as the canonical view ``cur`` in a Spark session, and the queries
    that scan it."""

    def __init__(self, spark: Session, source: Source, schema: ExportSchema, local: bool):
        self.spark = spark
        self.local = local
        self._cached: list[DataFrame] = []
        view = canonical_sql(source, schema)
        for name, (uris, _columns) in view.tables.items():
            self._read_files(name, uris, source)
        self._sql_view("cur", spark_text(view.sql))

    def _read_files(self, name: str, uris: Sequence[str], source: Source) -> None:
        """The files ``uris`` as the table ``name``: the files that share a schema (the same
        columns of the same types) in one read, each row's file from Spark's hidden
        ``_metadata.file_path`` given back as the URI listed (``FILE_COLUMN``, as DuckDB
        has it); the reads unioned by name."""
        by_schema: dict[tuple[tuple[str, str], ...], list[str]] = {}
        columns = {f.uri: f.columns for f in source.files}
        for uri in uris:
            shape = tuple(sorted((c, str(t)) for c, t in columns.get(uri, {}).items()))
            by_schema.setdefault(shape, []).append(uri)
        frames = [self._read_alike(same) for same in by_schema.values()]
        union = frames[0]
        for frame in frames[1:]:
            union = union.unionByName(frame, allowMissingColumns=True)
        union.createOrReplaceTempView(name)

    def _read_alike(self, uris: Sequence[str]) -> DataFrame:
        """Files of one schema in one ``spark.read.parquet``, with ``FILE_COLUMN``."""
        paths = [spark_path(uri, self.local) for uri in uris]
        try:
            frame = self.spark.read.parquet(*paths)
        except Exception as e:
            for uri, path in zip(uris, paths, strict=True):  # which file Spark cannot read
                try:
                    self.spark.read.parquet(path)
                except Exception as one:
                    raise _read_error(uri, one) from one
            raise _read_error(uris[0] if len(uris) == 1 else f"{len(uris)} files", e) from e
        keys = [_path_key(path) for path in paths]
        try:
            found: DataFrame = self.spark.sql(
                f"SELECT * EXCEPT ({SPARK_FILE}), coalesce(element_at(map_from_arrays(:keys, "
                f":uris), {SPARK_FILE_KEY}), {SPARK_FILE}) AS {FILE_COLUMN} FROM {{frame}}",
                args={"keys": keys, "uris": list(uris)},
                frame=frame.selectExpr("*", f"_metadata.file_path AS {SPARK_FILE}"),
            )
        except Exception as e:
            raise _read_error(uris[0] if len(uris) == 1 else f"{len(uris)} files", e) from e
        return found

    def _sql_view(self, name: str, text: str) -> None:
        try:
            self.spark.sql(text).createOrReplaceTempView(name)
        except Exception as e:
            raise QueryError(
                f"Spark cannot read the export as the view {name}: {first_line(e)}"
            ) from e

    def execute(self, name: str, params: Mapping[str, Any] | None = None) -> None:
        """13 and 15 make the groups a Spark table (kept in Spark's memory, since 15, 18, 20,
        22 and the hand-over read it), 18 the groups' days; 12's table macros are already in
        the queries."""
        if name == "12_bedrock_period_lines":
            return
        if name not in MADE:
            raise QueryError(f"queries/{name}.sql does not run on Spark")
        frame = self._frame(name, params).cache()
        self._cached.append(frame)
        frame.createOrReplaceTempView(MADE[name])

    def fetch(self, name: str, params: Mapping[str, Any] | None = None) -> Rows:
        """Run a query on Spark and fetch its (small) result."""
        frame = self._frame(name, params)
        try:
            found = frame.collect()
        except Exception as e:
            raise _query_error(name, e) from e
        rows = [tuple(row) for row in found]
        if name == "21_bad_amounts":  # amounts as DuckDB writes a double: nan, -inf, 1e+27
            rows = [(f, line, _double_text(c), _double_text(u)) for f, line, c, u in rows]
        return Rows(tuple(frame.columns), rows)

    def _frame(self, name: str, params: Mapping[str, Any] | None) -> DataFrame:
        text = spark_query(name)
        wanted = parameters(text)
        missing = wanted - set(params or {})
        if missing:
            raise QueryError(f"queries/{name}.sql needs parameters {sorted(missing)}")
        bound = {k: _spark_value(v) for k, v in (params or {}).items() if k in wanted}
        try:
            frame: DataFrame = self.spark.sql(text, args=bound or None)
            return frame
        except Exception as e:
            raise _query_error(name, e) from e

    def hand_over(self, engine: Engine) -> None:
        """The groups, without their line keys (22 checked them on Spark), and their days, as
        DuckDB's ``bedrock_groups`` and ``bedrock_days`` (19), through Arrow."""
        try:
            groups = self.spark.table(GROUPS).where("NOT day_row").drop("line_keys").toArrow()
            days = self.spark.table(DAYS).toArrow()
        except Exception as e:
            raise _query_error("13_bedrock_groups", e) from e
        engine.con.register(HANDED_OVER, groups)
        engine.con.register(HANDED_OVER_DAYS, days)
        try:
            engine.execute("19_spark_groups")
        finally:
            engine.con.unregister(HANDED_OVER)
            engine.con.unregister(HANDED_OVER_DAYS)

    def close(self) -> None:
        for frame in self._cached:
            frame.unpersist()
        self._cached.clear()


#: The column that holds Spark's ``_metadata.file_path`` while it becomes ``FILE_COLUMN``.
SPARK_FILE = "_chargeback_spark_file"
#: Spark's ``_metadata.file_path`` (a URI, percent-encoded: ``file:/a%20b/x.parquet``) as a
#: plain path (``/a b/x.parquet``), compared with :func:`_path_key` of each listed file.
#: ``+`` is kept (``url_decode`` alone would make it a space).
SPARK_FILE_KEY = f"regexp_replace(url_decode(replace({SPARK_FILE}, '+', '%2B')), '^file:(//)?', '')"


def _path_key(path: str) -> str:
    """A path given to Spark as :data:`SPARK_FILE_KEY` finds it: URIs (``s3a://...``) as
    they are, local paths absolute (Spark qualifies them with the working folder)."""
    if "://" in path:
        return path
    return os.path.abspath(path)


def _double_text(text: str | None) -> str | None:
    """A double's text as DuckDB casts it (Python's shortest form), from Spark's (Java's:
    ``NaN``, ``-Infinity``, ``1.0E27``), so the errors read the same on both engines."""
    return None if text is None else repr(float(text))


def _spark_value(value: Any) -> Any:
    """A parameter as Spark binds it (lists as arrays; the rest as they are)."""
    if isinstance(value, tuple):
        return list(value)
    return value


def _reason(error: Exception) -> str:
    """The first line of what Spark said: a Java error's own message, not py4j's wrapper
    (``An error occurred while calling o46.parquet.``)."""
    java = getattr(error, "java_exception", None)
    return first_line(Exception(str(java))) if java is not None else first_line(error)


def _read_error(uri: str, error: Exception) -> InputError:
    text = _reason(error)
    if "S3AFileSystem" in text or "No FileSystem for scheme" in text:
        return InputError(
            f"Spark cannot read {uri} ({text}): this Spark has no S3 connector (hadoop-aws); "
            "run against a cluster with --spark-remote, or use --engine duckdb"
        )
    return InputError(f"Spark cannot read {uri} ({text}): fix it or download it again")


def _query_error(name: str, error: Exception) -> QueryError | InputError:
    text = _reason(error)
    if "NUMERIC_VALUE_OUT_OF_RANGE" in text or "ARITHMETIC_OVERFLOW" in text:
        return InputError(
            f"the Bedrock amounts add up beyond what an exact sum holds (DECIMAL(38, 12): "
            f"26 digits before the point) in queries/{name}.sql: a cost in the export is "
            "far too large; fix or re-download the export"
        )
    return QueryError(f"query queries/{name}.sql failed on Spark: {text}")
