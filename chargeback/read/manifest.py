"""Reading a Data Exports manifest defensively.

A delivery writes ``metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json`` after all of
its data files. Field names differ between export types and are not documented precisely,
so the data files are found as any string in the JSON that names a ``.parquet`` object,
whatever the key it sits under.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

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
