"""A small Data Exports delivery laid out as AWS writes it, with its expected statements.

Two data files for 2026-10, a manifest listing them, one row of another month and one
non-Bedrock row (both excluded). The expected amounts are written out by hand below.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from builders import cur2_row, tagged, write
from s3server import S3

EXPORT = "bedrock-cur2"
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
