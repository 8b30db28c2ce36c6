"""S3 faults over HTTP: throttling and 5xx are retried and the run comes out right; a fault
that does not go away is raised as retryable (Lambda retries); nothing partial is published."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chargeback import s3location
from chargeback.errors import TransientInputError
from chargeback.frontends import aws_lambda
from tests.support.delivery import (
    BUCKET,
    EXPECTED,
    EXPECTED_TOTAL,
    OUT_BUCKET,
    manifest_key,
    published_summary,
    s3_event,
)
from tests.support.faulty_s3 import Faults, faulty_proxy
from tests.support.s3server import S3


def parquet_get(method: str, path: str) -> bool:
    return method == "GET" and path.endswith(".parquet")


@pytest.mark.usefixtures("delivered")
@pytest.mark.parametrize("status", [503, 500])
def test_throttling_and_server_errors_are_retried(
    s3: S3, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    faults = Faults(when=parquet_get, status=status, times=2)
    with faulty_proxy(s3.endpoint, faults) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy)
        result = aws_lambda.handler(s3_event(BUCKET, manifest_key("cur")), None)
    assert result["status"] == "ok", result
    assert sum(faults.injected.values()) >= 2  # the faults really happened
    _pointer, amounts = published_summary(s3)
    assert amounts == EXPECTED
    assert sum(amounts.values(), Decimal(0)) == EXPECTED_TOTAL


@pytest.mark.usefixtures("delivered")
def test_persistent_server_errors_are_raised_for_lambda_to_retry(
    s3: S3, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(s3location, "_READ_ATTEMPTS", 2)  # fail fast
    faults = Faults(when=parquet_get, status=503, times=10_000)
    with faulty_proxy(s3.endpoint, faults) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy)
        with pytest.raises(TransientInputError):
            aws_lambda.handler(s3_event(BUCKET, manifest_key("cur")), None)
    assert s3.keys(OUT_BUCKET) == []  # nothing partial published


@pytest.mark.usefixtures("delivered")
def test_access_denied_on_a_data_file_is_reported_not_retried(
    s3: S3, monkeypatch: pytest.MonkeyPatch
) -> None:
    faults = Faults(when=parquet_get, status=403, times=10_000)
    with faulty_proxy(s3.endpoint, faults) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy)
        result = aws_lambda.handler(s3_event(BUCKET, manifest_key("cur")), None)
    (run,) = result["runs"]
    assert run["status"] == "failed"
    assert ".parquet" in run["error"]
    assert s3.keys(OUT_BUCKET) == []
