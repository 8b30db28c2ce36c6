"""Finding an export's Parquet files and checking them before any query runs.

SOURCE is the root of a Data Exports export (``data/BILLING_PERIOD=YYYY-MM/*.parquet`` and
``metadata/BILLING_PERIOD=YYYY-MM/*-Manifest.json``) or any folder of Parquet files (legacy
CUR's ``year=YYYY/month=M/``). With a manifest for the period, its file list is used; without
one, every Parquet file below SOURCE is read and rows are selected by billing period date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import duckdb
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from .config import Period
from .errors import InputError
from .manifest import Manifest, key_parts, parse_manifest


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

    def relation(self, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
        """All rows of all files, columns unioned by name, plus ``filename``."""
        ...


def open_source(uri: str, period: Period | None) -> Source:
    """The source named by ``uri``: a local folder or file, or an ``s3://`` prefix
    (``period`` None: every file)."""
    if uri.startswith("s3://"):
        from .s3source import S3Source  # S3 support loads only when used

        return S3Source.open(uri, period)
    return LocalSource.open(Path(uri), period)


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
            f"{uri} is not a readable Parquet file ({_first_line(e)}): "
            "remove it from the export folder or download it again"
        ) from e
    return InputFile(uri, meta.num_rows, size, {f.name: f.type for f in schema})


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


@dataclass(frozen=True)
class LocalSource:
    """An export on the local disk."""

    root: str
    files: tuple[InputFile, ...]
    manifest: Manifest | None

    @classmethod
    def open(cls, root: Path, period: Period | None) -> LocalSource:
        if not root.exists():
            raise InputError(f"SOURCE {root} does not exist: give the export's root folder")
        manifest = None if period is None else _local_manifest(root, period)
        if manifest is not None:
            paths = [_resolve_listed(root, manifest, ref) for ref in manifest.data_files]
        elif root.is_file():
            paths = [root]
        else:
            paths = sorted(
                p for p in root.rglob("*.parquet") if p.is_file() and not _hidden(p, root)
            )
        if not paths:
            raise InputError(
                f"no Parquet files under {root}: point SOURCE at the export's root folder "
                "(the one holding data/ and metadata/) or at a folder of .parquet files"
            )
        files = tuple(inspect_parquet(str(p), str(p)) for p in paths)
        return cls(str(root), files, manifest)

    @property
    def version(self) -> str:
        newest = max(Path(f.uri).stat().st_mtime for f in self.files)
        return datetime.fromtimestamp(newest, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def relation(self, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
        try:
            return con.read_parquet(
                [f.uri for f in self.files],
                union_by_name=True,
                hive_partitioning=False,
                filename=True,
            )
        except duckdb.Error as e:
            raise InputError(
                f"cannot read the Parquet files under {self.root}: {_first_line(e)}"
            ) from e


def _hidden(path: Path, root: Path) -> bool:
    """Files of an interrupted copy or tool state (``.x``, ``_temporary``) are not data."""
    return any(part.startswith((".", "_")) for part in path.relative_to(root).parts)


def _local_manifest(root: Path, period: Period) -> Manifest | None:
    folder = root / "metadata" / f"BILLING_PERIOD={period}"
    if not folder.is_dir():
        return None
    found = sorted(folder.rglob("*Manifest.json"), key=lambda p: (p.stat().st_mtime, str(p)))
    if not found:
        return None
    path = found[-1]  # with CREATE_NEW_REPORT, the newest delivery wins
    return parse_manifest(str(path), path.read_bytes())


def _resolve_listed(root: Path, manifest: Manifest, ref: str) -> Path:
    """The local file for a manifest entry: the longest tail of its key found under root."""
    parts = key_parts(ref)
    for start in range(len(parts)):
        candidate = root.joinpath(*parts[start:])
        if candidate.is_file():
            return candidate
    raise InputError(
        f"manifest {manifest.uri} lists {ref}, which is not under {root}: the delivery is "
        "incomplete or was replaced by a refresh; rerun once the export is complete"
    )
