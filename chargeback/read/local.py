"""An export on the local disk: its manifest for the period, else every Parquet file below."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from chargeback.errors import InputError, first_line
from chargeback.read.files import InputFile, inspect_parquet
from chargeback.read.manifest import Manifest, key_parts, parse_manifest
from chargeback.settings.model import Period


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

    def relation(
        self, con: duckdb.DuckDBPyConnection, uris: Sequence[str] | None = None
    ) -> duckdb.DuckDBPyRelation:
        try:
            return con.read_parquet(
                [f.uri for f in self.files] if uris is None else list(uris),
                union_by_name=True,
                hive_partitioning=False,
                filename=True,
            )
        except duckdb.Error as e:
            raise InputError(
                f"cannot read the Parquet files under {self.root}: {first_line(e)}"
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
