"""What every source hands the pipeline: its Parquet files, described by their footers."""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import duckdb
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from chargeback.errors import InputError, first_line
from chargeback.read.manifest import Manifest

#: The column each source adds to every row: the URI of the file it came from. Not
#: ``filename``, DuckDB's default, which some tools write into the files themselves.
FILE_COLUMN = "chargeback_source_file"


@dataclass(frozen=True)
class InputFile:
    """One Parquet file of the export, as its footer describes it."""

    uri: str
    rows: int
    size: int
    columns: Mapping[str, pa.DataType]
    #: A digest of the file's size and serialized footer (row groups, column statistics,
    #: offsets): two files with the same one hold the same data. '' when unknown.
    fingerprint: str = ""


class Source(Protocol):
    """An export's files for one period, and how DuckDB reads them."""

    @property
    def root(self) -> str: ...

    @property
    def files(self) -> tuple[InputFile, ...]: ...

    @property
    def manifest(self) -> Manifest | None: ...

    @property
    def version(self) -> str:
        """When the input read was written (UTC, ISO 8601, sortable): newer data, later stamp."""
        ...

    def relation(
        self, con: duckdb.DuckDBPyConnection, uris: Sequence[str] | None = None
    ) -> duckdb.DuckDBPyRelation:
        """All rows of all files (or of the files ``uris``), columns unioned by name, plus
        ``FILE_COLUMN``."""
        ...


def footer_fingerprint(size: int, meta: pq.FileMetaData) -> str:
    """A digest of a file's size and its serialized footer (pickling a footer serializes its
    Thrift bytes): equal for byte copies of a file, different for any other data."""
    digest = hashlib.sha256(str(size).encode())
    digest.update(pickle.dumps(meta))
    return digest.hexdigest()


# TODO(speed): what a month of 3,000 small files still spends here is pyarrow parsing each
# footer (~0.35 ms a file), which DuckDB then parses again for its first scan; DuckDB's own
# parquet_file_metadata/parquet_schema over all files measured no faster and did not fill
# its metadata cache for the scan (benchmarks/RESULTS.md, "Many small files").
def inspect_parquet(path: str, uri: str, filesystem: pafs.FileSystem | None = None) -> InputFile:
    """Read one file's footer; a file that is not Parquet is an error naming it."""
    try:
        if filesystem is None:
            size = os.stat(path).st_size
            if size == 0:
                raise InputError(f"{uri} is empty (0 bytes): remove it or download it again")
            meta = _read_footer(path)
        else:
            info = filesystem.get_file_info(path)
            size = int(info.size or 0)
            if size == 0:
                raise InputError(f"{uri} is empty (0 bytes): remove it or download it again")
            with filesystem.open_input_file(path) as handle:
                meta = pq.read_metadata(handle)
        columns = _columns(meta)
    except InputError:
        raise
    except OSError as e:
        raise unreadable(uri, e) from e
    except (pa.ArrowException, ValueError) as e:
        raise InputError(
            f"{uri} is not a readable Parquet file ({first_line(e)}): "
            "remove it from the export folder or download it again"
        ) from e
    return InputFile(uri, meta.num_rows, size, columns, footer_fingerprint(size, meta))


def _read_footer(path: str) -> pq.FileMetaData:
    """``pq.read_metadata(path)`` without the ``ParquetFile`` it builds around the reader,
    whose lookups of nested column paths (pure Python, never used here) cost a third of
    its time: ~0.7 s for a month of 3,000 small files. A file it cannot read is read again
    by ``pq.read_metadata``, so its error is pyarrow's as ever."""
    reader = pq.ParquetReader()
    try:
        reader.open(path, arrow_extensions_enabled=True)  # as read_metadata opens it
        return reader.metadata
    except (pa.ArrowException, OSError, ValueError):
        return pq.read_metadata(path)
    finally:
        reader.close()


#: Columns of the footers read so far, by their Parquet schema and stored Arrow schema:
#: the files of one export share a few schemas, and converting each file's to Arrow types
#: cost a month of 3,000 small files ~0.5 s (benchmarks/RESULTS.md, "Many small files").
#: Files of one schema share one mapping (read/local.py compares them by identity first).
_SCHEMAS: list[tuple[pq.ParquetSchema, bytes | None, Mapping[str, pa.DataType]]] = []


def _columns(meta: pq.FileMetaData) -> Mapping[str, pa.DataType]:
    """The file's columns as Arrow types (as ``to_arrow_schema`` gives them, which depends
    only on the Parquet schema and the Arrow schema pyarrow stored), the same mapping for
    every file of the same schema."""
    schema = meta.schema
    stored = (meta.metadata or {}).get(b"ARROW:schema")
    for known, known_stored, columns in _SCHEMAS:
        if known_stored == stored and known.equals(schema):
            return columns
    columns = {f.name: f.type for f in schema.to_arrow_schema()}
    _SCHEMAS.append((schema, stored, columns))
    del _SCHEMAS[:-_KEEP_SCHEMAS]
    return columns


#: How many schemas ``_columns`` remembers (an export has a few).
_KEEP_SCHEMAS = 64


def os_reason(error: OSError) -> str:
    """``Permission denied`` rather than ``[Errno 13] Permission denied: '/the/path'`` (or
    pyarrow's ``Failed to open local file '/the/path'. Detail: [errno 13] ...``)."""
    if error.errno:
        return os.strerror(error.errno)
    return error.strerror or first_line(error)


def unreadable(path: str, error: OSError) -> InputError:
    """A file or folder of SOURCE that cannot be read: the month would be incomplete."""
    fix = (
        "give the user running the chargeback read access to it"
        if isinstance(error, PermissionError)
        else "fix it or download it again"
    )
    return InputError(
        f"cannot read {path} ({os_reason(error)}): without it the month would be incomplete; {fix}"
    )


def check_no_copies(files: Sequence[InputFile]) -> None:
    """Two input files holding the same data (a delivery copied twice, a file under two names)
    would be summed twice: refuse, naming both. Files without rows are never a problem."""
    seen: dict[str, InputFile] = {}
    for f in files:
        if not f.fingerprint or f.rows == 0:
            continue
        first = seen.setdefault(f.fingerprint, f)
        if first is not f:
            copies = sum(1 for g in files if g.fingerprint == f.fingerprint)
            more = "" if copies == 2 else f"; {copies} files hold the same"
            if _same_file(first.uri, f.uri):
                raise InputError(
                    f"{first.uri} and {f.uri} are one file under two names (a link, "
                    f"{f.rows:,} rows{more}): reading both would count its lines twice; "
                    "remove the link"
                )
            raise InputError(
                f"{first.uri} and {f.uri} are copies of one file ({f.rows:,} rows each, "
                f"identical content{more}): reading both would count their lines twice; keep "
                "one copy, or point SOURCE at the export's root so that its manifest decides "
                "which files are read"
            )


def _same_file(a: str, b: str) -> bool:
    if "://" in a or "://" in b:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
