"""An export on S3, read in place through pyarrow's S3 filesystem.

The layout is the one Data Exports writes (``EXPORT/data/BILLING_PERIOD=YYYY-MM/*.parquet``
and ``EXPORT/metadata/BILLING_PERIOD=YYYY-MM/*-Manifest.json``). With a manifest for the
period (the newest, when a ``CREATE_NEW_REPORT`` export keeps several) its file list is used,
and every listed file must exist; without one, every Parquet object below SOURCE is read.

Only the footers are fetched up front. DuckDB then scans one pyarrow dataset over all files,
asking it for the columns the queries use, so an export's other columns (often most of its
bytes) never leave S3. Each file's URI is a constant ``FILE_COLUMN`` of its fragment.
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
from chargeback.read.files import FILE_COLUMN, InputFile, check_no_copies, footer_fingerprint
from chargeback.read.manifest import (
    Manifest,
    check_one_delivery,
    listed_parts,
    listed_twice,
    manifest_digest,
    may_be_for,
    outside_source,
    parse_manifest,
    part_of_export,
)
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
        if period is not None:
            _refuse_part_of_export(filesystem, root, period)
        if found is not None:
            data = _read(filesystem, found.uri)
            manifest = parse_manifest(str(found.uri), data)
            objects = _listed_objects(filesystem, root, manifest)
            version = _stamp(found.mtime, manifest_digest(str(found.uri), data))
        else:
            manifest = None
            objects, manifests = _parquet_objects(filesystem, root)
            if period is not None:
                check_one_delivery(
                    str(root),
                    str(period),
                    (
                        (str(m.uri), _read(filesystem, m.uri))
                        for m in manifests
                        if may_be_for(str(m.uri), str(period))
                    ),
                )
            newest = max((o.mtime for o in objects if o.mtime is not None), default=None)
            listing = "\n".join(f"{o.uri} {o.size} {o.mtime}" for o in objects)
            version = _stamp(newest, manifest_digest(str(root), listing.encode()))
        if not objects:
            _check_bucket(filesystem, root)  # only now: HeadBucket may not be allowed
            raise InputError(
                f"no Parquet files under {root}: point SOURCE at the export's root (the prefix "
                "holding data/ and metadata/) or at a prefix of .parquet files"
            )
        with ThreadPoolExecutor(max_workers=min(_FOOTER_WORKERS, len(objects))) as pool:
            files = tuple(pool.map(lambda o: _inspect(filesystem, o), objects))
        check_no_copies(files)
        return cls(str(root), files, manifest, version, filesystem)

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
        ``FILE_COLUMN``."""
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
        schema = schema.append(pa.field(FILE_COLUMN, pa.string()))  # no file has it (columns.py)
        return ds.FileSystemDataset.from_paths(
            [S3Uri.parse(f.uri).path for f in files],
            schema=schema,
            format=ds.ParquetFileFormat(),
            filesystem=self.filesystem,
            partitions=[pc.field(FILE_COLUMN) == pc.scalar(f.uri) for f in files],
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


def _parquet_objects(fs: pafs.FileSystem, root: S3Uri) -> tuple[list[_Object], list[_Object]]:
    """Every Parquet object below ``root``, and every ``*Manifest.json`` (deliveries)."""
    if root.key.lower().endswith(".parquet"):
        try:
            info = fs.get_file_info(root.path)
        except OSError as e:
            raise s3location.input_error(str(root), "open", e) from e
        return ([_object(info)] if info.type == pafs.FileType.File else []), []
    found = []
    manifests = []
    for info in _list(fs, root):
        rel = info.path[len(root.path) :].strip("/")
        hidden = any(part.startswith((".", "_")) for part in rel.split("/"))
        if info.type != pafs.FileType.File or hidden:
            continue
        if info.path.endswith(".parquet"):
            found.append(_object(info))
        elif info.base_name.endswith("Manifest.json"):
            manifests.append(_object(info))
    return sorted(found, key=lambda o: o.uri.key), sorted(manifests, key=lambda o: o.uri.key)


def _refuse_part_of_export(fs: pafs.FileSystem, root: S3Uri, period: Period) -> None:
    """SOURCE below an export's ``data/`` prefix whose export has a manifest for the period:
    SOURCE is a part of a delivery (one object, one folder), so reading it is part of a month."""
    parts = root.key.split("/")
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] != "data":
            continue
        export_root = S3Uri(root.bucket, "/".join(parts[:i]))
        try:
            found = _newest_manifest(fs, export_root, period)
        except InputError as e:
            if e.retryable:
                raise
            continue  # above SOURCE, and this role may not list it: not the user's input
        if found is None:
            continue
        manifest = parse_manifest(str(found.uri), _read(fs, found.uri))
        under = [
            ref
            for ref in manifest.data_files
            if _is_under(_unquoted(_listed_uri(export_root, manifest, ref)), _unquoted(root))
        ]
        raise part_of_export(str(root), str(export_root), manifest, str(period), under)


def _unquoted(uri: S3Uri) -> S3Uri:
    return S3Uri(uri.bucket, unquote(uri.key))


def _is_under(uri: S3Uri, root: S3Uri) -> bool:
    """Is ``uri`` ``root`` or below it (same bucket, key prefix by whole segments)?"""
    return uri.bucket == root.bucket and (
        not root.key or uri.key == root.key or uri.key.startswith(root.key + "/")
    )


def _listed_objects(fs: pafs.FileSystem, root: S3Uri, manifest: Manifest) -> list[_Object]:
    """The manifest's files, each checked to exist: a missing one is an error naming it.

    Existence is read from a listing of each file's folder, not from one HEAD per file:
    a role allowed to list only the export's prefix gets 403, not 404, for a missing key.
    """
    uris = [_listed_uri(root, manifest, ref) for ref in manifest.data_files]
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
    named: dict[str, str] = {}
    for ref, uri in zip(manifest.data_files, uris, strict=True):
        if uri.path in named:  # s3://bucket/key and key, %3D and =: one object
            raise listed_twice(manifest, named[uri.path], ref, str(uri))
        named[uri.path] = ref
    return [present[u.path] for u in uris]


def _listed_uri(root: S3Uri, manifest: Manifest, ref: str) -> S3Uri:
    """A manifest entry as an object: ``s3://`` URIs as they are, bare keys in root's bucket;
    anything outside SOURCE (another bucket or prefix, a ``..`` segment) is refused."""
    listed_parts(manifest, ref, str(root))  # no '.' or '..' segment
    if ref.startswith(s3location.SCHEME):
        uri = S3Uri.parse(ref.split("?", 1)[0])
    else:
        key = ref.split("?", 1)[0].lstrip("/")
        if root.key and not key.startswith(root.key + "/"):
            uri = root.child(key)
        else:
            uri = S3Uri(root.bucket, key)
    if not (_is_under(uri, root) or _is_under(_unquoted(uri), _unquoted(root))):
        raise outside_source(manifest, ref, str(root))
    return uri


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
    return InputFile(
        uri,
        meta.num_rows,
        obj.size,
        {f.name: f.type for f in schema},
        footer_fingerprint(obj.size, meta),
    )


def _stamp(moment: datetime | None, digest: str) -> str:
    """An ordered version stamp that two deliveries never share: the newest input's
    modification time, UTC (S3 keeps whole seconds), then ``+`` and a digest of what was
    read (the manifest's key and bytes; without a manifest, the listing). Two deliveries
    within one second share the time: publish/s3.py orders them (``_is_newer``)."""
    if moment is None:
        return ""
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}+{digest}"
