"""Reading a Data Exports manifest defensively.

A delivery writes ``metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json`` after all of
its data files. Field names differ between export types and are not documented precisely,
so the data files are found as any string in the JSON that names a ``.parquet`` object,
whatever the key it sits under.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from chargeback.errors import InputError

_FILE_KEYS = ("key", "Key", "path", "uri", "s3Uri", "url")


@dataclass(frozen=True)
class Manifest:
    """What a manifest says, as far as the tool needs it."""

    uri: str
    data_files: tuple[str, ...]
    fields: tuple[str, ...] = ()
    info: dict[str, Any] = field(default_factory=dict)


def parse_manifest(uri: str, text: str | bytes) -> Manifest:
    """Parse a manifest's JSON; ``uri`` is only used in messages and the result."""
    try:
        doc = json.loads(text)
        files = tuple(dict.fromkeys(_parquet_strings(doc)))
    except RecursionError as e:
        raise InputError(
            f"manifest {uri} nests arrays or objects too deeply to read (thousands of levels): "
            "it is not a Data Exports manifest; remove it or let the export rewrite it"
        ) from e
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError(
            f"manifest {uri} is not valid JSON ({e}): the delivery may still be in progress; "
            "rerun once AWS has finished writing it"
        ) from e
    if not isinstance(doc, dict):
        raise InputError(
            f"manifest {uri} is not a JSON object: is it really a Data Exports manifest?"
        )
    if not files:
        raise InputError(
            f"manifest {uri} lists no .parquet data files (fields: {', '.join(sorted(doc))}): "
            "is the export's format Parquet?"
        )
    info = {k: v for k, v in doc.items() if isinstance(v, str | int | float | bool)}
    for k in ("billingPeriod", "bill_billing_period"):
        if isinstance(doc.get(k), dict):
            info[k] = doc[k]
    return Manifest(uri=uri, data_files=files, fields=tuple(sorted(doc)), info=info)


def _parquet_strings(node: Any) -> list[str]:
    """Every string naming a Parquet object, depth first, in document order."""
    found: list[str] = []
    if isinstance(node, str):
        if node.lower().split("?", 1)[0].endswith(".parquet"):
            found.append(node)
    elif isinstance(node, list):
        for item in node:
            found.extend(_parquet_strings(item))
    elif isinstance(node, dict):
        bucket = node.get("bucket") or node.get("Bucket")
        used: set[str] = set()
        for key in _FILE_KEYS:
            value = node.get(key)
            if isinstance(value, str) and isinstance(bucket, str) and "://" not in value:
                if value.lower().endswith(".parquet"):
                    found.append(f"s3://{bucket}/{value.lstrip('/')}")
                    used.add(key)
        for key, value in node.items():
            if key not in used:
                found.extend(_parquet_strings(value))
    return found


def key_parts(file_ref: str) -> list[str]:
    """The path segments of a manifest file reference (``s3://bucket/a/b`` -> ``[a, b]``)."""
    ref = file_ref.split("?", 1)[0]
    if "://" in ref:
        ref = ref.split("://", 1)[1].split("/", 1)[1] if "/" in ref.split("://", 1)[1] else ""
    return [p for p in ref.split("/") if p]


def listed_parts(manifest: Manifest, ref: str, source: str) -> list[str]:
    """``key_parts`` of a manifest entry, refusing one that climbs out of SOURCE: a ``.`` or
    ``..`` segment (also URL-encoded) would read a file the export did not deliver."""
    parts = key_parts(ref)
    if any(unquote(p) in (".", "..") for p in parts):
        raise outside_source(manifest, ref, source)
    return parts


def outside_source(manifest: Manifest, ref: str, source: str) -> InputError:
    return InputError(
        f"manifest {manifest.uri} lists {ref}, which is outside SOURCE {source}: a manifest "
        "lists its own export's files, and nothing outside SOURCE is read; was the manifest "
        "edited or copied from another export? download the delivery again"
    )


def listed_twice(manifest: Manifest, first: str, second: str, target: str) -> InputError:
    """Two entries of one manifest naming one object (in two spellings): never read twice."""
    return InputError(
        f"manifest {manifest.uri} lists {target} twice (as {first} and as {second}): a "
        "delivery's manifest names each data file once, and reading it twice would count its "
        "lines twice; was the manifest edited? download the delivery again"
    )


def manifest_digest(uri: str, data: bytes) -> str:
    """A short digest of a manifest's location and bytes: two deliveries never share one."""
    return hashlib.sha256(uri.encode("utf-8") + b"\n" + data).hexdigest()[:16]


# -- several deliveries under one SOURCE ----------------------------------------------------


def _period_of_path(uri: str) -> str | None:
    """``YYYY-MM`` from a ``BILLING_PERIOD=YYYY-MM`` segment (also ``%3D``), else None."""
    for part in key_parts(uri):
        name, sep, value = unquote(part).partition("=")
        if sep and name == "BILLING_PERIOD":
            return value
    return None


def may_be_for(uri: str, period: str) -> bool:
    """False when the manifest's path says it is for another billing period."""
    found = _period_of_path(uri)
    return found is None or found == period


def _delivery(uri: str, data: bytes, period: str) -> str | None:
    """The export a manifest delivers ``period`` of, or None when it is for another period."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        doc = None
    doc = doc if isinstance(doc, dict) else {}
    by_path = _period_of_path(uri)
    if by_path is not None:
        if by_path != period:
            return None
    else:
        start = doc.get("billingPeriod")
        start = start.get("start") if isinstance(start, dict) else None
        if not isinstance(start, str) or not start.startswith((period, period.replace("-", ""))):
            return None
    for key in ("exportArn", "exportName", "reportName"):
        if isinstance(doc.get(key), str) and doc[key]:
            return str(doc[key])
    parts = key_parts(uri)  # the export's folder: the one holding metadata/
    return parts[parts.index("metadata") - 1] if "metadata" in parts[1:] else ""


def check_one_delivery(source: str, period: str, manifests: Iterable[tuple[str, bytes]]) -> None:
    """SOURCE read without a manifest must not hold two deliveries of one export for the
    period (two manifests: a delivery copied twice, or an export that keeps each delivery):
    every file below SOURCE would be read, and the month counted twice."""
    by_export: dict[str, list[str]] = {}
    for uri, data in manifests:
        export = _delivery(uri, data, period)
        if export is not None:
            by_export.setdefault(export, []).append(uri)
    for export, uris in sorted(by_export.items()):
        if len(uris) > 1:
            first, second, *_ = sorted(uris)
            raise InputError(
                f"SOURCE {source} holds {len(uris)} deliveries of export "
                f"{export or '(unnamed)'} for {period} (manifests {first} and {second}): "
                "reading every file below SOURCE would count the month more than once; "
                "point SOURCE at one export's root (the folder holding data/ and metadata/), "
                "where the newest manifest decides which files are read"
            )


def part_of_export(
    source: str, export_root: str, manifest: Manifest, period: str, listed: Sequence[str]
) -> InputError:
    """SOURCE is a file or folder inside an export whose manifest lists the period's
    delivery: reading SOURCE alone would give part of the month (or stale files)."""
    return InputError(
        f"SOURCE {source} is part of the export {export_root}: its manifest {manifest.uri} "
        f"lists {len(manifest.data_files)} file(s) for {period}, {len(listed)} of them under "
        "SOURCE; a chargeback reads the whole delivery: run it on the export's root "
        f"(chargeback run {export_root} --period {period})"
    )
