"""Finding an export's Parquet files and checking them before any query runs.

SOURCE is the root of a Data Exports export (``data/BILLING_PERIOD=YYYY-MM/*.parquet`` and
``metadata/BILLING_PERIOD=YYYY-MM/*-Manifest.json``) or any folder of Parquet files (legacy
CUR's ``year=YYYY/month=M/``). With a manifest for the period, its file list is used; without
one, every Parquet file below SOURCE is read and rows are selected by billing period date.
"""

from __future__ import annotations

from pathlib import Path

from chargeback.read.files import Source
from chargeback.read.local import LocalSource
from chargeback.settings.model import Period


def open_source(uri: str, period: Period | None) -> Source:
    """The source named by ``uri``: a local folder or file, or an ``s3://`` prefix
    (``period`` None: every file)."""
    if uri.startswith("s3://"):
        from chargeback.read.s3 import S3Source  # S3 support loads only when used

        return S3Source.open(uri, period)
    return LocalSource.open(Path(uri), period)
