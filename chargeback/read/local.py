"""An export on the local disk: its manifest for the period, else every Parquet file below.

Nothing below SOURCE is skipped without a word: a folder that cannot be listed, a link that
leads nowhere or a ``.parquet`` entry that is not a file stops the run, since reading the rest
would give part of the month. Folders and files whose names start with ``.`` or ``_`` (an
interrupted copy, tool state) are not data and are never opened.
"""

from __future__ import annotations

import itertools
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import duckdb

from chargeback.errors import InputError, first_line
from chargeback.read.files import (
    FILE_COLUMN,
    InputFile,
    check_no_copies,
    inspect_parquet,
    os_reason,
    unreadable,
)
from chargeback.read.manifest import (
    Manifest,
    check_one_delivery,
    listed_parts,
    listed_twice,
    may_be_for,
    parse_manifest,
    part_of_export,
)
from chargeback.settings.model import Period


@dataclass(frozen=True)
class LocalSource:
    """An export on the local disk."""

    root: str
    files: tuple[InputFile, ...]
    manifest: Manifest | None

    @classmethod
    def open(cls, root: Path, period: Period | None) -> LocalSource:
        kind = _kind(root)
        manifest = None if period is None or kind != "folder" else _local_manifest(root, period)
        if period is not None:
            _refuse_part_of_export(root, period)
        if manifest is not None:
            paths = _listed_paths(root, manifest)
        elif kind == "file":
            paths = [root]
        else:
            paths, manifests = _walk(root)
            if period is not None:
                for_period = [m for m in manifests if may_be_for(str(m), str(period))]
                check_one_delivery(
                    str(root), str(period), ((str(m), _read_bytes(m)) for m in for_period)
                )
        if not paths:
            raise InputError(
                f"no Parquet files under {root}: point SOURCE at the export's root folder "
                "(the one holding data/ and metadata/) or at a folder of .parquet files"
            )
        files = tuple(inspect_parquet(str(p), str(p)) for p in paths)
        check_no_copies(files)
        return cls(str(root), files, manifest)

    @property
    def version(self) -> str:
        newest = max(Path(f.uri).stat().st_mtime for f in self.files)
        return datetime.fromtimestamp(newest, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def relation(
        self, con: duckdb.DuckDBPyConnection, uris: Sequence[str] | None = None
    ) -> duckdb.DuckDBPyRelation:
        try:
            files = [f.uri for f in self.files] if uris is None else list(uris)
            # Each relation its own parameter name: the groups of files (read/schema.py) are
            # read as relations that are unioned, and DuckDB refuses two parameters of one name.
            name = f"files_{next(_RELATIONS)}"
            sql = _READ.replace("$files", f"${name}")
            if _one_schema(self.files, files):
                sql = sql.replace("union_by_name = true", "union_by_name = false")
            return con.sql(sql, params={name: files})
        except duckdb.Error as e:
            raise InputError(
                f"cannot read the Parquet files under {self.root}: {first_line(e)}"
            ) from e


def _one_schema(listed: Sequence[InputFile], uris: Sequence[str]) -> bool:
    """Whether the files ``uris`` all have the same columns, of the same types, in the same
    order (as their footers said when listed). Then DuckDB needs no ``union_by_name``, which
    makes it read every file's schema again each time a query binds the view: ~2 s per query
    for a month of 3,000 small files (benchmarks/RESULTS.md)."""
    by_uri = {f.uri: f for f in listed}
    if not uris or any(u not in by_uri for u in uris):
        return False
    chosen = [by_uri[u] for u in uris]
    first = chosen[0].columns
    order = list(first.items())
    return all(f.columns is first or list(f.columns.items()) == order for f in chosen[1:])


def _kind(root: Path) -> str:
    """'folder' or 'file'; anything else (missing, unreadable, a FIFO) is an error."""
    try:
        mode = root.stat().st_mode
    except FileNotFoundError as e:
        if root.is_symlink():
            raise _broken_link(root, e) from e
        raise InputError(f"SOURCE {root} does not exist: give the export's root folder") from e
    except OSError as e:
        raise unreadable(str(root), e) from e
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISREG(mode):
        return "file"
    raise _not_a_file(root)


def _walk(root: Path) -> tuple[list[Path], list[Path]]:
    """Every Parquet file and every ``*Manifest.json`` below ``root``, following links to
    folders (each folder read once), refusing what cannot be read."""
    parquet: list[Path] = []
    manifests: list[Path] = []
    seen: set[tuple[int, int]] = set()
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            info = folder.stat()
            if (info.st_dev, info.st_ino) in seen:
                continue  # a link back to a folder already read: its files are listed once
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as e:
            raise unreadable(str(folder), e) from e
        for entry in entries:
            if entry.name.startswith((".", "_")):
                continue  # an interrupted copy or tool state, not data
            path = Path(entry.path)
            try:
                mode = os.stat(path).st_mode  # through links
            except OSError as e:
                if entry.is_symlink():
                    raise _broken_link(path, e) from e
                raise unreadable(str(path), e) from e
            if stat.S_ISDIR(mode):
                folders.append(path)  # a folder named x.parquet is a dataset: read inside
            elif entry.name.lower().endswith(".parquet"):
                if not stat.S_ISREG(mode):
                    raise _not_a_file(path)
                parquet.append(path)
            elif entry.name.endswith("Manifest.json") and stat.S_ISREG(mode):
                manifests.append(path)
    return sorted(parquet), sorted(manifests)


def _broken_link(path: Path, error: OSError) -> InputError:
    return InputError(
        f"{path} is a symbolic link that leads nowhere ({os_reason(error)}): what it pointed "
        "at would be left out of the month; restore its target or remove the link"
    )


def _not_a_file(path: Path) -> InputError:
    try:
        mode = path.stat().st_mode
        what = "a named pipe" if stat.S_ISFIFO(mode) else "a socket or device"
    except OSError:
        what = "a special file"
    return InputError(
        f"{path} is not a regular file ({what}): it cannot be read as "
        "Parquet, and leaving it out would leave out part of the month; replace it with the "
        "file it stands for, or remove it"
    )


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise unreadable(str(path), e) from e


def _is_dir(path: Path) -> bool:
    """False for a missing path; an error for one that cannot be looked at."""
    try:
        return stat.S_ISDIR(path.stat().st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as e:
        raise unreadable(str(path), e) from e


#: Every file's rows, columns unioned by name (unless they all have one schema, _one_schema),
#: and each row's file as ``FILE_COLUMN`` (a name
#: the Python ``read_parquet`` cannot give; the files are a bound parameter, numbered from
#: ``_RELATIONS``).
_READ = (
    "SELECT * FROM read_parquet($files, union_by_name = true, hive_partitioning = false, "
    f"filename = '{FILE_COLUMN}')"
)
_RELATIONS = itertools.count()


def _local_manifest(root: Path, period: Period) -> Manifest | None:
    folder = root / "metadata" / f"BILLING_PERIOD={period}"
    if not _is_dir(folder):
        return None
    _parquet, found = _walk(folder)
    if not found:
        return None
    path = max(found, key=lambda p: (p.stat().st_mtime, str(p)))
    return parse_manifest(str(path), _read_bytes(path))  # with CREATE_NEW_REPORT, newest wins


def _refuse_part_of_export(source: Path, period: Period) -> None:
    """SOURCE below an export's ``data/`` folder whose export has a manifest for the period:
    SOURCE is a part of a delivery (one file, one folder), so reading it is part of a month."""
    absolute = Path(os.path.abspath(source))
    parts = absolute.parts
    for i in range(len(parts) - 1, 0, -1):
        if parts[i] != "data":
            continue
        export_root = Path(*parts[:i])
        try:
            manifest = _local_manifest(export_root, period)
        except InputError:
            continue  # above SOURCE and not readable: not the user's input
        if manifest is None:
            continue
        under = []
        for ref in manifest.data_files:
            try:
                path = Path(os.path.abspath(_resolve_listed(export_root, manifest, ref)))
            except InputError:
                continue
            if path == absolute or absolute in path.parents:
                under.append(ref)
        raise part_of_export(str(source), str(export_root), manifest, str(period), under)


def _listed_paths(root: Path, manifest: Manifest) -> list[Path]:
    """The manifest's files; one object named by two entries is an error, never read twice."""
    paths: list[Path] = []
    named: dict[Path, str] = {}
    folders = _Folders()
    for ref in manifest.data_files:
        path = _resolve_listed(root, manifest, ref, folders)
        real = folders.real_path(path)
        if real in named:
            raise listed_twice(manifest, named[real], ref, str(path))
        named[real] = ref
        paths.append(path)
    return paths


class _Folders:
    """What the listing of a manifest's files learns about their folders, so that thousands
    of files in a few folders cost a stat each, not one per folder of every tail tried and
    per part of every path resolved (~0.5 s for 3,000 files; benchmarks/RESULTS.md)."""

    def __init__(self) -> None:
        self._exists: dict[Path, bool] = {}
        self._real: dict[Path, Path] = {}

    def may_hold(self, candidate: Path) -> bool:
        """False only when ``candidate``'s folder is known not to exist."""
        folder = candidate.parent
        known = self._exists.get(folder)
        if known is None:
            try:
                known = stat.S_ISDIR(os.stat(folder).st_mode)
            except (FileNotFoundError, NotADirectoryError):
                known = False
            except OSError:
                return True  # let the file's own stat say what is wrong
            self._exists[folder] = known
        return known

    def real_path(self, path: Path) -> Path:
        """``path.resolve()``: its folder resolved once, the file itself when a link."""
        if stat.S_ISLNK(os.lstat(path).st_mode):
            return path.resolve()
        folder = self._real.get(path.parent)
        if folder is None:
            folder = self._real[path.parent] = path.parent.resolve()
        return folder / path.name


def _resolve_listed(
    root: Path, manifest: Manifest, ref: str, folders: _Folders | None = None
) -> Path:
    """The local file for a manifest entry: the longest tail of its key found under root
    (as written, else URL-decoded: ``BILLING_PERIOD%3D2026-10``)."""
    parts = listed_parts(manifest, ref, str(root))
    for start in range(len(parts)):
        tail = parts[start:]
        for spelling in dict.fromkeys([tuple(tail), tuple(unquote(p) for p in tail)]):
            candidate = root.joinpath(*spelling)
            if folders is not None and not folders.may_hold(candidate):
                continue
            try:
                if stat.S_ISREG(candidate.stat().st_mode):
                    return candidate
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError as e:
                raise unreadable(str(candidate), e) from e
    raise InputError(
        f"manifest {manifest.uri} lists {ref}, which is not under {root}: the delivery is "
        "incomplete or was replaced by a refresh; rerun once the export is complete"
    )
