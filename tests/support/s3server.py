"""A real S3 API on loopback for tests: moto's ThreadedMotoServer, reached over HTTP.

boto3 and pyarrow find it the way they would find any S3-compatible store: through
``AWS_ENDPOINT_URL_S3``. Credentials are dummies set in the environment for the test only.
The fixtures that start it and hand out a clean one per test (``s3_server``, ``s3_env``,
``s3``) are in tests/conftest.py; this module holds the handle they give.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class S3:
    """The running server and a client for arranging and checking objects."""

    endpoint: str
    client: Any

    def reset(self) -> None:
        for bucket in self.client.list_buckets().get("Buckets", []):
            name = bucket["Name"]
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=name):
                for obj in page.get("Contents", []):
                    self.client.delete_object(Bucket=name, Key=obj["Key"])
            self.client.delete_bucket(Bucket=name)

    def upload_tree(self, folder: Path, bucket: str, prefix: str) -> list[str]:
        """Upload every file below ``folder`` under ``prefix``; returns the keys."""
        keys = []
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            key = f"{prefix.strip('/')}/{path.relative_to(folder).as_posix()}"
            self.client.upload_file(str(path), bucket, key)
            keys.append(key)
        return keys

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        found: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix
        ):
            found.extend(o["Key"] for o in page.get("Contents", []))
        return sorted(found)

    def text(self, bucket: str, key: str) -> str:
        body: bytes = self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        return body.decode("utf-8")

    def body(self, bucket: str, key: str) -> bytes:
        data: bytes = self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        return data
