"""An export on S3, read in place through pyarrow's S3 filesystem.

The layout is the one Data Exports writes (``EXPORT/data/BILLING_PERIOD=YYYY-MM/*.parquet``
and ``EXPORT/metadata/BILLING_PERIOD=YYYY-MM/*-Manifest.json``). With a manifest for the
period (the newest, when a ``CREATE_NEW_REPORT`` export keeps several) its file list is used,
and every listed file must exist; without one, every Parquet object below SOURCE is read.

Only the footers are fetched up front. DuckDB then scans one pyarrow dataset over all files,
asking it for the columns the queries use, so an export's other columns (often most of its
bytes) never leave S3. Each file's URI is a constant ``filename`` column of its fragment.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

import chargeback.s3location as s3location
from chargeback.errors import InputError, first_line
from chargeback.read.files import InputFile
from chargeback.read.manifest import Manifest, parse_manifest
from chargeback.s3location import S3Uri
from chargeback.settings.model import Period

_FOOTER_WORKERS = 16


@dataclass(frozen=True)
class _Object:
    uri: S3Uri
    size: int
    mtime: datetime | None


@dataclass(frozen=True)
class S3Source:
    """An export (or a prefix of Parquet files) on S3."""

    root: str
    files: tuple[InputFile, ...]
    manifest: Manifest | None
    version: str
    filesystem: pafs.FileSystem = field(repr=False, compare=False)

    @classmethod
    def open(cls, uri: str, period: Period | None, fs: pafs.FileSystem | None = None) -> S3Source:
        """``period`` None: every Parquet object below ``uri``, no manifest."""
        root = S3Uri.parse(uri)
        filesystem = fs if fs is not None else s3location.filesystem(root.bucket)
        found = None if period is None else _newest_manifest(filesystem, root, period)
        if found is not None:
            manifest = parse_manifest(str(found.uri), _read(filesystem, found.uri))
            objects = _listed_objects(filesystem, root, manifest)
            newest = found.mtime
        else:
            manifest = None
            objects = _parquet_objects(filesystem, root)
            newest = max((o.mtime for o in objects if o.mtime is not None), default=None)
        if not objects:
            _check_bucket(filesystem, root)  # only now: HeadBucket may not be allowed
            raise InputError(
                f"no Parquet files under {root}: point SOURCE at the export's root (the prefix "
                "holding data/ and metadata/) or at a prefix of .parquet files"
            )
        with ThreadPoolExecutor(max_workers=min(_FOOTER_WORKERS, len(objects))) as pool:
            files = tuple(pool.map(lambda o: _inspect(filesystem, o), objects))
        return cls(str(root), files, manifest, _stamp(newest), filesystem)

    def relation(
        self, con: duckdb.DuckDBPyConnection, uris: Sequence[str] | None = None
    ) -> duckdb.DuckDBPyRelation:
        # an S3 failure during DuckDB's scan comes back as a TransientQueryError (engine.py)
        dataset = self.dataset(uris)
        try:
            return con.from_arrow(dataset)
        except duckdb.Error as e:
            raise InputError(f"cannot read the Parquet files under {self.root}: {e}") from e

    def dataset(self, uris: Sequence[str] | None = None) -> ds.Dataset:
        """One dataset over every file (or the files ``uris``), columns unioned by name, plus
        ``filename``."""
        files = self.files if uris is None else tuple(f for f in self.files if f.uri in uris)
        try:
            schema = pa.unify_schemas(
                [pa.schema(list(f.columns.items())) for f in files],
                promote_options="permissive",
            )
        except (pa.ArrowException, ValueError) as e:
            raise InputError(
                f"the Parquet files under {self.root} disagree on a column's type ({e}): "
                "were some files rewritten by another tool?"
            ) from e
        if "filename" in schema.names:
            schema = schema.remove(schema.get_field_index("filename"))
        schema = schema.append(pa.field("filename", pa.string()))
        return ds.FileSystemDataset.from_paths(
            [S3Uri.parse(f.uri).path for f in files],
            schema=schema,
            format=ds.ParquetFileFormat(),
            filesystem=self.filesystem,
            partitions=[pc.field("filename") == pc.scalar(f.uri) for f in files],
        )


def _check_bucket(fs: pafs.FileSystem, root: S3Uri) -> None:
    try:
        info = fs.get_file_info(root.bucket)
    except OSError as e:
        if s3location.is_permanent(e):
            return  # a role scoped to a prefix may not HeadBucket: report the empty prefix
        raise s3location.input_error(f"s3://{root.bucket}", "open the bucket", e) from e
    if info.type == pafs.FileType.NotFound:
        raise InputError(
            f"bucket s3://{root.bucket} does not exist (or is not visible to these "
            f"credentials): check the bucket name in {root}"
        )


def _list(fs: pafs.FileSystem, prefix: S3Uri, recursive: bool = True) -> list[pafs.FileInfo]:
    selector = pafs.FileSelector(prefix.path, recursive=recursive, allow_not_found=True)
    try:
        return list(fs.get_file_info(selector))
    except OSError as e:
        raise s3location.input_error(str(prefix), "list", e) from e


def _read(fs: pafs.FileSystem, uri: S3Uri) -> bytes:
    try:
        with fs.open_input_stream(uri.path) as handle:
            data: bytes = handle.read()
            return data
    except OSError as e:
        raise s3location.input_error(str(uri), "read", e) from e


def _object(info: pafs.FileInfo) -> _Object:
    bucket, _, key = info.path.partition("/")
    mtime = info.mtime
    if mtime is not None and mtime.tzinfo is None:
        mtime = mtime.replace(tzinfo=UTC)
    return _Object(S3Uri(bucket, key), int(info.size or 0), mtime)


def _newest_manifest(fs: pafs.FileSystem, root: S3Uri, period: Period) -> _Object | None:
    folder = root.child("metadata", f"BILLING_PERIOD={period}")
    found = [
        _object(i)
        for i in _list(fs, folder)
        if i.type == pafs.FileType.File and i.base_name.endswith("Manifest.json")
    ]
    if not found:
        return None
    # with CREATE_NEW_REPORT each delivery has its own manifest: the newest wins
    return max(found, key=lambda o: (o.mtime or datetime.min.replace(tzinfo=UTC), o.uri.key))


def _parquet_objects(fs: pafs.FileSystem, root: S3Uri) -> list[_Object]:
    if root.key.lower().endswith(".parquet"):
        try:
            info = fs.get_file_info(root.path)
        except OSError as e:
            raise s3location.input_error(str(root), "open", e) from e
        return [_object(info)] if info.type == pafs.FileType.File else []
    found = []
    for info in _list(fs, root):
        rel = info.path[len(root.path) :].strip("/")
        hidden = any(part.startswith((".", "_")) for part in rel.split("/"))
        if info.type == pafs.FileType.File and info.path.endswith(".parquet") and not hidden:
            found.append(_object(info))
    return sorted(found, key=lambda o: o.uri.key)


def _listed_objects(fs: pafs.FileSystem, root: S3Uri, manifest: Manifest) -> list[_Object]:
    """The manifest's files, each checked to exist: a missing one is an error naming it.

    Existence is read from a listing of each file's folder, not from one HEAD per file:
    a role allowed to list only the export's prefix gets 403, not 404, for a missing key.
    """
    uris = [_listed_uri(root, ref) for ref in manifest.data_files]
    # an entry may be URL-encoded (BILLING_PERIOD%3D...): look for both spellings
    candidates = [dict.fromkeys([u, S3Uri(u.bucket, unquote(u.key))]) for u in uris]
    present: dict[str, _Object] = {}
    for folder in sorted({c.path.rsplit("/", 1)[0] for cs in candidates for c in cs}):
        bucket, _, key = folder.partition("/")
        for info in _list(fs, S3Uri(bucket, key), recursive=False):
            if info.type == pafs.FileType.File:
                present[info.path] = _object(info)
    for i, (uri, spellings) in enumerate(zip(uris, candidates, strict=True)):
        found = [c for c in spellings if c.path in present]
        if not found:
            raise InputError(
                f"manifest {manifest.uri} lists {uri}, which does not exist: the delivery is "
                "still in progress or a refresh replaced its files; nothing was written; "
                "rerun once the export is complete (the next delivery's manifest triggers it)"
            )
        uris[i] = found[0]
    return [present[u.path] for u in uris]


def _listed_uri(root: S3Uri, ref: str) -> S3Uri:
    """A manifest entry as an object: ``s3://`` URIs as they are, bare keys in root's bucket."""
    if ref.startswith(s3location.SCHEME):
        return S3Uri.parse(ref)
    key = ref.split("?", 1)[0].lstrip("/")
    if root.key and not key.startswith(root.key + "/"):
        return root.child(key)
    return S3Uri(root.bucket, key)


def _inspect(fs: pafs.FileSystem, obj: _Object) -> InputFile:
    """Read one file's footer; a file that is not Parquet is an error naming it."""
    uri = str(obj.uri)
    if obj.size == 0:
        raise InputError(f"{uri} is empty (0 bytes): remove it or let the export rewrite it")
    try:
        with fs.open_input_file(obj.uri.path) as handle:
            meta = pq.read_metadata(handle)
        schema = meta.schema.to_arrow_schema()
    except (pa.ArrowInvalid, ValueError) as e:
        raise InputError(
            f"{uri} is not a readable Parquet file ({first_line(e)}): remove it from the "
            "export prefix or let the export rewrite it"
        ) from e
    except OSError as e:
        raise s3location.input_error(uri, "read", e) from e
    return InputFile(uri, meta.num_rows, obj.size, {f.name: f.type for f in schema})


def _stamp(moment: datetime | None) -> str:
    """An ordered version stamp: the newest input's modification time, UTC."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
