"""Fixtures shared by the test modules."""

from s3server import s3, s3_env, s3_server  # noqa: F401 - a loopback S3 API for tests
