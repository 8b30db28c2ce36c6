"""A small Data Exports delivery laid out as AWS writes it, with its expected statements, and
the S3 event that announces it.

Two data files for 2026-10, a manifest listing them, one row of another month and one
non-Bedrock row (both excluded). The expected amounts are written out by hand below.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from tests.support.builders import cur2_row, tagged, write
from tests.support.s3server import S3

EXPORT = "bedrock-cur2"
BUCKET = "billing-exports"
OUT_BUCKET = "finance-reports"
PERIOD = "2026-10"

#: cost center -> amount, summed by hand from the rows below.
EXPECTED = {
    "ML-101": Decimal("12.45"),  # 12.34 + 0.11
    "FIN-7": Decimal("5.30"),  # 3.10 + 2.20
    "UNATTRIBUTED": Decimal("1.75"),  # untagged 1.25 + no resource 0.50
}
EXPECTED_TOTAL = Decimal("19.50")


def data_key(prefix: str, n: int, period: str = PERIOD) -> str:
    return f"{prefix}/{EXPORT}/data/BILLING_PERIOD={period}/{EXPORT}-{n:05d}.snappy.parquet"


def manifest_key(prefix: str, period: str = PERIOD) -> str:
    return f"{prefix}/{EXPORT}/metadata/BILLING_PERIOD={period}/{EXPORT}-Manifest.json"


def build(folder: Path, bucket: str, prefix: str) -> dict[str, Path]:
    """Write the delivery under ``folder`` as ``{key: path}`` for keys below ``prefix``."""
    files = {
        data_key(prefix, 1): write(
            folder / "f1.parquet",
            [
                tagged("ml", "ML-101", 12.34),
                tagged("fin", "FIN-7", 3.10),
                tagged("none", None, 1.25),
                cur2_row(period="2026-09", cost=100.0),  # another month: excluded
            ],
        ),
        data_key(prefix, 2): write(
            folder / "f2.parquet",
            [
                tagged("ml", "ML-101", 0.11, line_item_usage_type="USE1-NovaPro-output-tokens"),
                tagged("fin", "FIN-7", 2.20),
                cur2_row(cost=0.50),  # no resource id
                cur2_row(
                    cost=40.0,
                    line_item_product_code="AmazonEC2",
                    product_product_family="Compute Instance",
                    line_item_usage_type="BoxUsage",
                ),  # not Bedrock: excluded
            ],
        ),
    }
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps(cur2_manifest(bucket, list(files))), encoding="utf-8")
    return {**files, manifest_key(prefix): manifest}


def cur2_manifest(bucket: str, keys: list[str]) -> dict[str, object]:
    """A manifest shaped like a CUR 2.0 delivery's (field names as far as known)."""
    return {
        "version": "1",
        "exportArn": "arn:aws:bcm-data-exports:us-east-1:111122223333:export/bedrock-cur2-1",
        "exportName": EXPORT,
        "billingPeriod": {"start": "2026-10-01T00:00:00Z", "end": "2026-11-01T00:00:00Z"},
        "dataFiles": [f"s3://{bucket}/{k}" for k in keys],
        "columns": [{"name": "line_item_unblended_cost", "type": "double"}],
    }


def legacy_manifest(bucket: str, keys: list[str]) -> dict[str, object]:
    """A legacy CUR manifest: bare keys in ``reportKeys`` and the bucket beside them."""
    return {
        "assemblyId": "a1b2c3",
        "bucket": bucket,
        "reportKeys": keys,
        "billingPeriod": {"start": "20261001T000000.000Z", "end": "20261101T000000.000Z"},
    }


def upload(s3: S3, files: dict[str, Path], bucket: str) -> None:
    """Upload data files first and the manifest last, as a delivery does."""
    for key in sorted(files, key=lambda k: k.endswith("Manifest.json")):
        s3.client.upload_file(str(files[key]), bucket, key)


def s3_event(bucket: str, key: str, event_name: str = "ObjectCreated:Put") -> dict[str, Any]:
    """An S3 event notification as AWS documents it (the key URL-encoded)."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-11-02T03:04:05.678Z",
                "eventName": event_name,
                "userIdentity": {"principalId": "AWS:AROAEXAMPLE:billingreports"},
                "requestParameters": {"sourceIPAddress": "10.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": "C3D13FE58DE4C810",
                    "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvA",
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "chargeback-manifest",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": 1024,
                        "eTag": "d41d8cd98f00b204e9800998ecf8427e",
                        "sequencer": "0055AED6DCD90281E5",
                    },
                },
            }
        ]
    }


def published_summary(s3: S3) -> tuple[dict[str, Any], dict[str, Decimal]]:
    pointer = json.loads(s3.text(OUT_BUCKET, f"chargeback/{PERIOD}/current.json"))
    prefix = pointer["prefix"].removeprefix(f"s3://{OUT_BUCKET}/")
    text = s3.text(OUT_BUCKET, f"{prefix}chargeback-{PERIOD}-summary.csv")
    amounts = {r["cost_center"]: Decimal(r["amount"]) for r in csv.DictReader(io.StringIO(text))}
    return pointer, amounts
