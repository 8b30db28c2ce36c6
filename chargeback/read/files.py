"""What every source hands the pipeline: its Parquet files, described by their footers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from chargeback.errors import InputError, first_line
from chargeback.read.manifest import Manifest


@dataclass(frozen=True)
class InputFile:
    """One Parquet file of the export, as its footer describes it."""

    uri: str
    rows: int
    size: int
    columns: Mapping[str, pa.DataType]


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
        ``filename``."""
        ...


def inspect_parquet(path: str, uri: str, filesystem: pafs.FileSystem | None = None) -> InputFile:
    """Read one file's footer; a file that is not Parquet is an error naming it."""
    try:
        if filesystem is None:
            size = Path(path).stat().st_size
            if size == 0:
                raise InputError(f"{uri} is empty (0 bytes): remove it or download it again")
            meta = pq.read_metadata(path)
        else:
            info = filesystem.get_file_info(path)
            size = int(info.size or 0)
            if size == 0:
                raise InputError(f"{uri} is empty (0 bytes): remove it or download it again")
            with filesystem.open_input_file(path) as handle:
                meta = pq.read_metadata(handle)
        schema = meta.schema.to_arrow_schema()
    except InputError:
        raise
    except OSError as e:
        raise InputError(f"cannot read {uri}: {e}") from e
    except (pa.ArrowException, ValueError) as e:
        raise InputError(
            f"{uri} is not a readable Parquet file ({first_line(e)}): "
            "remove it from the export folder or download it again"
        ) from e
    return InputFile(uri, meta.num_rows, size, {f.name: f.type for f in schema})
