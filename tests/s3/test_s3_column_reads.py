"""Reading from S3 fetches the columns the queries use, not whole files.

A counting filesystem wraps the real S3 filesystem (moto's server on loopback) and adds up
the bytes DuckDB's scan pulls. The export carries one wide column no query reads; the run
must reconcile while reading a small fraction of the file.
"""

from __future__ import annotations

import random
import string
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

import chargeback.s3location as s3location
from chargeback.allocate.allocation import allocate
from chargeback.allocate.engine import Engine
from chargeback.read.s3 import S3Source
from chargeback.read.schema import canonical_relation, detect_schema
from chargeback.settings.model import Period, RunConfig
from tests.support.builders import CUR2_TYPES, table, tagged
from tests.support.s3server import S3

BUCKET = "wide-exports"
KEY = "cur/wide/data/BILLING_PERIOD=2026-10/wide-00001.snappy.parquet"


class Counting(pafs.FileSystemHandler):  # type: ignore[misc]
    """Delegates to ``fs`` and counts the bytes read from opened files."""

    def __init__(self, fs: pafs.FileSystem) -> None:
        self.fs = fs
        self.bytes_read = 0

    def open_input_file(self, path: str) -> Any:
        return pa.PythonFile(_Reader(self.fs.open_input_file(path), self), mode="r")

    def open_input_stream(self, path: str) -> Any:
        return pa.PythonFile(_Reader(self.fs.open_input_stream(path), self), mode="r")

    def get_file_info(self, paths: Any) -> Any:
        return self.fs.get_file_info(paths)

    def get_file_info_selector(self, selector: Any) -> Any:
        return self.fs.get_file_info(selector)

    def get_type_name(self) -> str:
        return "counting"

    def normalize_path(self, path: str) -> str:
        return path

    def _no(self, *args: Any) -> Any:
        raise NotImplementedError("read-only in this test")

    create_dir = delete_dir = delete_dir_contents = delete_root_dir_contents = _no
    delete_file = move = copy_file = open_output_stream = open_append_stream = _no


class _Reader:
    def __init__(self, handle: Any, counter: Counting) -> None:
        self.handle, self.counter, self.closed = handle, counter, False

    def read(self, n: int = -1) -> bytes:
        data: bytes = self.handle.read(n) if n is not None and n >= 0 else self.handle.read()
        self.counter.bytes_read += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return int(self.handle.seek(offset, whence))

    def tell(self) -> int:
        return int(self.handle.tell())

    def size(self) -> int:
        return int(self.handle.size())

    def close(self) -> None:
        self.closed = True
        self.handle.close()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True


def test_unused_wide_column_is_not_downloaded(s3: S3, tmp_path: Path) -> None:
    rng = random.Random(7)
    costs = [Decimal(rng.randint(1, 99_999)) / 1000 for _ in range(4000)]
    rows = [tagged("p", f"CC-{i % 3}", float(c)) for i, c in enumerate(costs)]
    wide = table(rows, CUR2_TYPES).append_column(
        "line_item_line_item_description",
        pa.array(["".join(rng.choices(string.ascii_letters, k=400)) for _ in rows]),
    )
    path = tmp_path / "wide.parquet"
    pq.write_table(wide, path, compression="snappy")
    s3.client.create_bucket(Bucket=BUCKET)
    s3.client.upload_file(str(path), BUCKET, KEY)
    size = path.stat().st_size

    counting = Counting(s3location.filesystem(BUCKET))
    source = S3Source.open(
        f"s3://{BUCKET}/cur/wide", Period.parse("2026-10"), pafs.PyFileSystem(counting)
    )
    footers = counting.bytes_read
    config = RunConfig(source=source.root, period=Period.parse("2026-10"), out=str(tmp_path))
    engine = Engine(threads=2)
    try:
        engine.register_cur(
            canonical_relation(source.relation(engine.con), detect_schema(source.files, []))
        )
        allocation = allocate(engine, config, {f.uri: f.rows for f in source.files})
    finally:
        engine.close()

    (totals,) = allocation.totals
    assert totals.total == sum(costs, Decimal(0)).quantize(Decimal("0.01"))
    for i in range(3):
        expected = sum(c for j, c in enumerate(costs) if j % 3 == i)
        (cc,) = [c for c in totals.cost_centers if c.cost_center == f"CC-{i}"]
        assert abs(cc.amount - expected) <= Decimal("0.01")  # rounded to parts of the total
    assert size > 1_000_000
    assert footers <= 128 * 1024  # footers only: a small read per file
    print(f"read {counting.bytes_read} of {size} bytes")
    assert counting.bytes_read < size * 0.2, (counting.bytes_read, size)
