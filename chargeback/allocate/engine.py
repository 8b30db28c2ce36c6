"""The DuckDB session of one run: settings, macros, the canonical view, and named queries.

Queries are the files in ``queries/``; values reach them only as bound parameters. Every
session starts with the macros every query shares (``queries/00_macros.sql``).
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from chargeback import scratch
from chargeback.allocate.queries import query_text
from chargeback.errors import (
    ConfigError,
    InputError,
    QueryError,
    TransientQueryError,
    first_line,
    is_interrupt,
)
from chargeback.s3location import is_transient_text
from chargeback.settings.model import DEFAULT_MEMORY_LIMIT, MEMORY_PER_THREAD

#: Called with a query's name and how far DuckDB says it has got (0-100), in steps.
QueryProgress = Callable[[str, float], None]

CUR_VIEW = "cur"
SPILL_PREFIX = "chargeback-duckdb-"
_SPILL = re.compile(rf"{SPILL_PREFIX}\w+")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
#: Rows ``Engine.stream`` fetches at a time.
FETCH_BATCH = 10_000


@dataclass(frozen=True)
class Rows:
    """A small query result: column names and rows as tuples."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_UNITS = {"b": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def size_bytes(text: str) -> int | None:
    """``1200MB`` or ``953.6 MiB`` in bytes; None if it is not such a size."""
    match = _SIZE.fullmatch(text.strip().lower())
    if match is None or match.group(2) not in _UNITS:
        return None
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def threads_for(memory_limit: int, threads: int) -> int:
    """At most one thread per ``MEMORY_PER_THREAD`` of the limit, at least one (the limit
    taken to the nearest MB: DuckDB shows ``300MB`` as ``286.1 MiB``)."""
    megabytes = round(memory_limit / 10**6)
    return max(1, min(threads, megabytes * 10**6 // MEMORY_PER_THREAD))


class Engine:
    """One DuckDB connection with the pipeline's macros loaded."""

    def __init__(
        self,
        threads: int | None = None,
        memory_limit: str | None = None,
        on_progress: QueryProgress | None = None,
    ) -> None:
        # Spill space when a --memory-limit is reached: a private folder in the system's temp
        # directory, not DuckDB's default ``.tmp`` in the working directory (read-only in
        # Lambda, and shared by runs started from the same folder). Those of dead runs go.
        temp = Path(tempfile.gettempdir())
        scratch.remove_stale(temp, _SPILL)
        self.spill_dir = str(scratch.make(temp, SPILL_PREFIX))
        config: dict[str, Any] = {
            "TimeZone": "UTC",
            "autoinstall_known_extensions": False,
            "temp_directory": self.spill_dir,
        }
        if threads is not None:
            config["threads"] = threads
        self._memory_limit = memory_limit or DEFAULT_MEMORY_LIMIT
        config["memory_limit"] = self._memory_limit
        try:
            self.con = duckdb.connect(":memory:", config=config)
        except duckdb.Error as e:
            scratch.remove(Path(self.spill_dir))
            refused = _refused(threads, memory_limit)
            if refused:
                raise ConfigError("; ".join(refused)) from e
            raise QueryError(f"cannot start DuckDB: {first_line(e)}") from e
        self.on_progress = on_progress
        try:
            self.threads_asked = self._size_threads()
            # DuckDB's own bar is never printed (it went to stdout, which holds results);
            # with on_progress it runs only to make query_progress() count
            self.con.execute("SET enable_progress_bar_print = false")
            # the export is scanned by several queries (10, 13, 21 to 23, 25): keep each
            # file's Parquet footer after the first, so a month of thousands of small files
            # does not parse them all again per query
            self.con.execute("SET parquet_metadata_cache = true")
            if on_progress is not None:
                self.con.execute("SET enable_progress_bar = true")
            self.con.execute(query_text("00_macros"))
        except duckdb.Error as e:
            raise QueryError(f"cannot start DuckDB: {e}") from e

    def _size_threads(self) -> int | None:
        """Lower DuckDB's threads to what its memory limit carries (``threads_for``); the
        thread count asked for when it was lowered, else None."""
        threads, limit = self._current()
        # the size as given where it is one (DuckDB shows 1200MB as "1.1 GiB")
        size = size_bytes(self._memory_limit) or size_bytes(limit)
        if size is None or threads_for(size, threads) == threads:
            return None
        self.con.execute("SET threads = $n", {"n": threads_for(size, threads)})
        return threads

    def _current(self) -> tuple[int, str]:
        row = self.con.execute(
            "SELECT current_setting('threads'), current_setting('memory_limit')"
        ).fetchall()[0]
        return int(row[0]), str(row[1])

    def settings(self) -> dict[str, Any]:
        """DuckDB's own view of the run's settings (threads, memory limit), and the threads
        asked for when the memory limit carries fewer (``threads_asked``)."""
        threads, limit = self._current()
        applied: dict[str, Any] = {"threads": threads, "memory_limit": limit}
        if self.threads_asked is not None:
            applied["threads_asked"] = self.threads_asked
        return applied

    def spilled_bytes(self) -> int:
        """How much DuckDB has written to its spill folder so far."""
        rows = self.con.execute("SELECT coalesce(sum(size), 0) FROM duckdb_temporary_files()")
        return int(rows.fetchall()[0][0])

    def register_cur(self, relation: duckdb.DuckDBPyRelation) -> None:
        """Make ``relation`` the ``cur`` view every query reads."""
        relation.create_view(CUR_VIEW, replace=True)

    def execute(self, name: str, params: Mapping[str, Any] | None = None) -> None:
        """Run a query that creates a table."""
        self._run(name, params)

    def fetch(self, name: str, params: Mapping[str, Any] | None = None) -> Rows:
        """Run a query and fetch its (small) result."""
        cursor = self._run(name, params)
        columns = tuple(d[0] for d in cursor.description or ())
        return Rows(columns, cursor.fetchall())

    def stream(
        self, name: str, params: Mapping[str, Any] | None = None, batch: int = FETCH_BATCH
    ) -> Iterator[dict[str, Any]]:
        """Run a query and give its rows as dicts, fetched ``batch`` rows at a time: a
        result of a row per statement line (hundreds of thousands with many cost centers)
        is never held whole as Python rows, let alone as dicts (issue 19)."""
        cursor = self._run(name, params)
        columns = tuple(d[0] for d in cursor.description or ())
        while rows := cursor.fetchmany(batch):
            for row in rows:
                yield dict(zip(columns, row, strict=True))

    def _run(self, name: str, params: Mapping[str, Any] | None) -> duckdb.DuckDBPyConnection:
        sql = query_text(name)
        wanted = set(_PARAM.findall(sql))
        missing = wanted - set(params or {})
        if missing:
            raise QueryError(f"queries/{name}.sql needs parameters {sorted(missing)}")
        bound = {k: v for k, v in (params or {}).items() if k in wanted}
        try:
            with self._watching(name):
                return self.con.execute(sql, bound or None)
        except (duckdb.InterruptException, RuntimeError) as e:
            if is_interrupt(e):
                raise KeyboardInterrupt from e
            raise
        except duckdb.OutOfRangeException as e:  # a DECIMAL sum past 38 digits
            raise InputError(
                f"the Bedrock amounts add up beyond what an exact sum holds (DECIMAL(38, 12): "
                f"26 digits before the point) in queries/{name}.sql: a cost in the export is "
                "far too large; fix or re-download the export"
            ) from e
        except duckdb.OutOfMemoryException as e:
            raise self._out_of_memory(name) from e
        except duckdb.Error as e:
            if is_transient_text(str(e)):  # S3 failed under the scan: a retry may succeed
                raise TransientQueryError(
                    f"query queries/{name}.sql failed reading S3 ({first_line(e)}): "
                    "S3 is unavailable or throttling; try again"
                ) from e
            raise QueryError(f"query queries/{name}.sql failed: {first_line(e)}") from e

    def _out_of_memory(self, name: str) -> QueryError:
        threads, limit = self._current()
        more = max(2 * (size_bytes(limit) or 10**9), threads * MEMORY_PER_THREAD) // 10**6
        more = -(-more // 100) * 100  # in MB, rounded up to a hundred
        return QueryError(
            f"DuckDB ran out of memory in queries/{name}.sql with a memory limit of {limit} and "
            f"{threads} thread{'s' if threads > 1 else ''}: set --memory-limit {more}MB (or "
            "CHARGEBACK_MEMORY_LIMIT, or memory_limit in chargeback.toml) and run again"
        )

    @contextmanager
    def _watching(self, name: str) -> Iterator[None]:
        """While a query runs, report DuckDB's progress on it every ``STEP`` percent."""
        report = self.on_progress
        if report is None:
            yield
            return
        done = threading.Event()
        steps = ProgressSteps()

        def watch() -> None:
            while not done.wait(0.25):
                try:
                    pct = self.con.query_progress()
                except duckdb.Error:
                    return
                if steps.passed(pct):
                    report(name, pct)

        watcher = threading.Thread(target=watch, name=f"progress {name}", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            done.set()
            watcher.join()

    def close(self) -> None:
        self.con.close()
        scratch.remove(Path(self.spill_dir))


def _refused(threads: int | None, memory_limit: str | None) -> list[str]:
    """Which of the settings given DuckDB refuses, each tried on its own, and what it takes."""
    refused = []
    if memory_limit is not None and not _accepts({"memory_limit": memory_limit}):
        refused.append(
            f"--memory-limit {memory_limit!r} is not a size DuckDB accepts: give a number "
            "and a unit, e.g. 2GB or 1536MB"
        )
    if threads is not None and not _accepts({"threads": threads}):
        refused.append(
            f"--threads {threads} is not a thread count DuckDB accepts: give a whole number "
            "from 1 to the number of cores"
        )
    return refused


def _accepts(config: dict[str, Any]) -> bool:
    try:
        duckdb.connect(":memory:", config=config).close()
    except duckdb.Error:
        return False
    return True


class ProgressSteps:
    """Lets a percentage through only when it has passed the next step (10, 20, ...)."""

    STEP = 10.0

    def __init__(self) -> None:
        self.next = self.STEP

    def passed(self, pct: float) -> bool:
        if pct < self.next or pct >= 100:
            return False
        self.next = (pct // self.STEP + 1) * self.STEP
        return True
