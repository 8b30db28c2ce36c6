"""Shared fixtures: run the real pipeline over real Parquet files in tmp_path, and a real S3
API on loopback (moto's server) with a small Data Exports delivery in it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from chargeback.pipeline import run
from chargeback.results import RunResult
from chargeback.settings.model import CostMeasure, Period, RunConfig
from tests.support.delivery import BUCKET, OUT_BUCKET, build, upload
from tests.support.runs import RunFn
from tests.support.s3server import S3


@pytest.fixture
def run_on(tmp_path: Path) -> RunFn:
    """Run the chargeback on ``source`` for ``period`` into tmp_path/out."""

    def _run(source: Path, period: str = "2026-10", **settings: Any) -> RunResult:
        measure = settings.pop("cost_measure", CostMeasure.NET_UNBLENDED)
        config = RunConfig(
            source=str(source),
            period=Period.parse(period),
            out=str(settings.pop("out", tmp_path / "out")),
            cost_measure=CostMeasure(measure),
            **settings,
        )
        return run(config)

    return _run


# -- a loopback S3 for tests ------------------------------------------------------------------


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


@pytest.fixture
def delivered(s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """The small delivery of tests.support.delivery in BUCKET; CHARGEBACK_OUT in OUT_BUCKET."""
    s3.client.create_bucket(Bucket=BUCKET)
    s3.client.create_bucket(Bucket=OUT_BUCKET)
    files = build(tmp_path / "export", BUCKET, "cur")
    upload(s3, files, BUCKET)
    monkeypatch.setenv("CHARGEBACK_OUT", f"s3://{OUT_BUCKET}/chargeback")
    return files
