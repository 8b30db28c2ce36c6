"""Reading S3 ``ObjectCreated`` events, however they arrive, and spotting export deliveries.

Accepted shapes: the S3 notification itself (``Records[].s3``), the same wrapped by SQS
(``Records[].body``) or SNS (``Records[].Sns.Message``, also SNS inside SQS), and EventBridge's
``Object Created`` event (``detail.bucket.name``, ``detail.object.key``). S3 notifications
carry URL-encoded keys (``BILLING_PERIOD%3D2026-04``, ``+`` for a space): they are decoded.

A delivery is complete when its manifest is written, ``EXPORT/metadata/BILLING_PERIOD=YYYY-MM/
[...]/EXPORT-Manifest.json``; the export root is everything before ``/metadata/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, unquote_plus

from chargeback.errors import ConfigError
from chargeback.settings.model import Period

_MANIFEST = re.compile(
    r"^(?P<root>(?:.+/)?)metadata/BILLING_PERIOD=(?P<period>\d{4}-\d{2})/(?:.+/)?[^/]*Manifest\.json$"
)


@dataclass(frozen=True)
class CreatedObject:
    """One object an event says was created; ``key`` is decoded."""

    bucket: str
    key: str
    event_name: str = ""

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class Delivery:
    """An export delivery for one billing period, named by its manifest."""

    manifest: CreatedObject
    root: str  # s3://bucket/prefix/export
    period: Period


def created_objects(event: Any) -> list[CreatedObject]:
    """Every created object named in ``event``; other events and records give none."""
    return list(_objects(event, depth=0))


def delivery(obj: CreatedObject) -> Delivery | None:
    """The delivery ``obj`` completes, or None when ``obj`` is not a manifest."""
    match = _MANIFEST.match(obj.key)
    if match is None:
        return None
    try:
        period = Period.parse(match.group("period"))
    except ConfigError:
        return None
    root = match.group("root").rstrip("/")
    return Delivery(obj, f"s3://{obj.bucket}/{root}" if root else f"s3://{obj.bucket}", period)


def _objects(node: Any, depth: int) -> Iterator[CreatedObject]:
    if depth > 3 or not isinstance(node, Mapping):
        return
    if isinstance(node.get("Records"), list):
        for record in node["Records"]:
            yield from _record(record, depth)
    elif node.get("source") == "aws.s3" and isinstance(node.get("detail"), Mapping):
        yield from _eventbridge(node)


def _record(record: Any, depth: int) -> Iterator[CreatedObject]:
    if not isinstance(record, Mapping):
        return
    if isinstance(record.get("s3"), Mapping):  # the S3 notification
        name = str(record.get("eventName", ""))
        if not name.startswith(("ObjectCreated:", "s3:ObjectCreated:")):
            return
        bucket = _text(record["s3"], "bucket", "name")
        key = _text(record["s3"], "object", "key")
        if bucket and key:
            yield CreatedObject(bucket, unquote_plus(key), name)
    elif "body" in record:  # SQS: the body is a JSON notification (or an SNS envelope)
        yield from _objects(_json(record["body"]), depth + 1)
    elif isinstance(record.get("Sns"), Mapping):  # SNS
        yield from _objects(_json(record["Sns"].get("Message")), depth + 1)


def _eventbridge(event: Mapping[str, Any]) -> Iterator[CreatedObject]:
    if event.get("detail-type") != "Object Created":
        return
    bucket = _text(event["detail"], "bucket", "name")
    key = _text(event["detail"], "object", "key")
    if bucket and key:
        # EventBridge keys are not documented as URL-encoded: decode only %XX escapes
        yield CreatedObject(bucket, unquote(key) if "%" in key else key, "Object Created")


def _json(text: Any) -> Any:
    if isinstance(text, Mapping):
        return text
    if not isinstance(text, str):
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if isinstance(doc, Mapping) and doc.get("Type") == "Notification":  # SNS inside SQS
        return _json(doc.get("Message"))
    return doc


def _text(node: Mapping[str, Any], outer: str, inner: str) -> str:
    value = node.get(outer)
    if not isinstance(value, Mapping):
        return ""
    found = value.get(inner)
    return found if isinstance(found, str) else ""
