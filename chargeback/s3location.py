"""Talking to S3: URIs, connection settings, clients, and what an S3 failure means.

Credentials always come from the standard AWS chain (environment, profile, container or
instance role); nothing here reads or stores keys. The endpoint can be overridden for
S3-compatible stores with ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL``, the region with
``AWS_REGION`` or ``AWS_DEFAULT_REGION``. Errors are sorted into those a retry may fix
(throttling, network, 5xx) and those it cannot (no such bucket, access denied).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pyarrow.fs as pafs

from chargeback.errors import (
    ChargebackError,
    InputError,
    OutputError,
    TransientInputError,
    TransientOutputError,
)

SCHEME = "s3://"
_READ_ATTEMPTS = 6

#: Error codes (botocore) and markers (pyarrow / AWS SDK for C++) that a retry cannot fix.
_PERMANENT = (
    "NoSuchBucket",
    "NO_SUCH_BUCKET",
    "AccessDenied",
    "ACCESS_DENIED",
    "InvalidAccessKeyId",
    "INVALID_ACCESS_KEY_ID",
    "SignatureDoesNotMatch",
    "SIGNATURE_DOES_NOT_MATCH",
    "AllAccessDisabled",
    "InvalidBucketName",
    "PermanentRedirect",
    "403",
)


#: Markers (AWS SDK for C++, as pyarrow reports them) of S3 failures a retry may fix.
_TRANSIENT = (
    "NETWORK_CONNECTION",
    "SLOW_DOWN",
    "THROTTLING",
    "SERVICE_UNAVAILABLE",
    "INTERNAL_FAILURE",
    "REQUEST_TIMEOUT",
)


def is_s3(uri: str) -> bool:
    return uri.startswith(SCHEME)


@dataclass(frozen=True)
class S3Uri:
    """``s3://bucket/key``; ``key`` has no leading or trailing slash."""

    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: str) -> S3Uri:
        if not is_s3(uri):
            raise InputError(f"{uri} is not an s3:// URI")
        bucket, _, key = uri[len(SCHEME) :].partition("/")
        if not bucket:
            raise InputError(f"{uri} names no bucket: write s3://bucket/prefix")
        return cls(bucket, key.strip("/"))

    def child(self, *parts: str) -> S3Uri:
        key = "/".join(p.strip("/") for p in (self.key, *parts) if p.strip("/"))
        return S3Uri(self.bucket, key)

    @property
    def path(self) -> str:
        """The ``bucket/key`` form pyarrow's filesystem uses."""
        return f"{self.bucket}/{self.key}" if self.key else self.bucket

    def __str__(self) -> str:
        return f"{SCHEME}{self.path}"


@dataclass(frozen=True)
class S3Settings:
    """Where S3 is: the endpoint override and region, from the environment."""

    endpoint_url: str | None
    region: str | None

    @classmethod
    def from_env(cls) -> S3Settings:
        endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        return cls(endpoint or None, region or None)


def filesystem(bucket: str, settings: S3Settings | None = None) -> pafs.S3FileSystem:
    """A pyarrow S3 filesystem for ``bucket``, on the standard credential chain."""
    s = settings or S3Settings.from_env()
    kwargs: dict[str, Any] = {}
    if s.endpoint_url:
        kwargs["endpoint_override"] = s.endpoint_url
        if s.endpoint_url.startswith("http://"):
            kwargs["scheme"] = "http"
    region = s.region
    if region is None and not s.endpoint_url:
        try:
            region = pafs.resolve_s3_region(bucket)
        except OSError:
            region = None  # let the SDK's default apply; a wrong region fails with a clear error
    if region:
        kwargs["region"] = region
    # throttling or a dropped connection in the middle of a scan surfaces as a query error,
    # so the filesystem retries more than pyarrow's default of 3 attempts
    kwargs["retry_strategy"] = pafs.AwsStandardS3RetryStrategy(max_attempts=_READ_ATTEMPTS)
    return pafs.S3FileSystem(**kwargs)


def client(settings: S3Settings | None = None) -> Any:
    """A boto3 S3 client on the standard credential chain (boto3 is imported lazily)."""
    import boto3
    from botocore.config import Config

    s = settings or S3Settings.from_env()
    return boto3.client(
        "s3",
        endpoint_url=s.endpoint_url,
        region_name=s.region,
        config=Config(retries={"max_attempts": 5, "mode": "standard"}),
    )


def is_permanent(error: BaseException) -> bool:
    """True when ``error`` from S3 will not go away by trying again."""
    code = _error_code(error)
    text = f"{code} {error}"
    return any(marker in text for marker in _PERMANENT)


def is_transient_text(message: str) -> bool:
    """True when an error message (e.g. DuckDB's, from a pyarrow scan) tells of such a failure."""
    return "AWS Error" in message and any(marker in message for marker in _TRANSIENT)


def _error_code(error: BaseException) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        err = response.get("Error", {})
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
        return f"{err.get('Code', '')} {status}"
    return ""


def describe(error: BaseException) -> str:
    """One line naming what S3 said."""
    code = _error_code(error).strip()
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    return f"{text} ({code})" if code and code.split()[0] not in text else text


def input_error(uri: str, action: str, error: BaseException) -> ChargebackError:
    """The error to raise when reading ``uri`` from S3 failed."""
    if is_permanent(error):
        return InputError(
            f"cannot {action} {uri}: {describe(error)}: check that the bucket exists and that "
            "the credentials in use may read it (s3:GetObject, s3:ListBucket)"
        )
    return TransientInputError(
        f"cannot {action} {uri}: {describe(error)}: S3 is unavailable or throttling; try again"
    )


def output_error(uri: str, action: str, error: BaseException) -> ChargebackError:
    """The error to raise when writing under ``uri`` on S3 failed."""
    if is_permanent(error):
        return OutputError(
            f"cannot {action} {uri}: {describe(error)}: check that the bucket exists and that "
            "the credentials in use may write there (s3:PutObject, s3:GetObject)"
        )
    return TransientOutputError(
        f"cannot {action} {uri}: {describe(error)}: S3 is unavailable or throttling; try again"
    )
