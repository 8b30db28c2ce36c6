"""A real S3 API on loopback for tests: moto's ThreadedMotoServer, reached over HTTP.

boto3 and pyarrow find it the way they would find any S3-compatible store: through
``AWS_ENDPOINT_URL_S3``. Credentials are dummies set in the environment for the test only.
Import the fixtures into a test module (``from s3server import s3, s3_env``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.moto_server.threaded_moto_server import ThreadedMotoServer


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


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_env(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the AWS SDKs at the loopback server, with dummy credentials."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return s3_server


@pytest.fixture
def s3(s3_env: str) -> Iterator[S3]:
    """A clean S3 for one test."""
    handle = S3(s3_env, boto3.client("s3", endpoint_url=s3_env, region_name="us-east-1"))
    handle.reset()
    yield handle
    handle.reset()
