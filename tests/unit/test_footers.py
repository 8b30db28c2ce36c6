"""Listing reads each local file's footer (issue 19: the columns of one schema converted to
Arrow types once): the same rows and columns as pyarrow's ``read_metadata`` gives, one
digest for byte copies, and for a footer that does not parse, pyarrow's own error naming the
file (parsing such bytes through pyarrow's private ``_reconstruct_filemetadata`` aborted the
process: never do that)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from chargeback.errors import InputError
from chargeback.read.files import inspect_parquet
from sample_data.generator.columns import CUR2_TYPES
from tests.support.builders import tagged, write
from tests.support.paths import SAMPLE


def test_footers_read_as_pyarrow_reads_them(tmp_path: Path) -> None:
    paths = sorted(SAMPLE.rglob("*.parquet"))
    assert len(paths) >= 2
    for path in paths:
        found = inspect_parquet(str(path), str(path))
        meta = pq.read_metadata(path)
        assert found.rows == meta.num_rows
        assert found.size == path.stat().st_size
        assert dict(found.columns) == {f.name: f.type for f in meta.schema.to_arrow_schema()}
    copy = tmp_path / "copy.parquet"
    shutil.copyfile(paths[0], copy)
    assert (
        inspect_parquet(str(copy), "copy").fingerprint
        == inspect_parquet(str(paths[0]), "first").fingerprint
    )
    assert (
        inspect_parquet(str(paths[1]), "second").fingerprint
        != inspect_parquet(str(paths[0]), "first").fingerprint
    )


def test_files_of_one_schema_share_their_columns(tmp_path: Path) -> None:
    a = write(tmp_path / "a.parquet", [tagged("p", "CC-1", 1.0)], types=CUR2_TYPES)
    b = write(tmp_path / "b.parquet", [tagged("q", "CC-2", 2.0)], types=CUR2_TYPES)
    first, second = (inspect_parquet(str(p), str(p)) for p in (a, b))
    fewer = list(first.columns)[:-1]
    c = write(tmp_path / "c.parquet", [tagged("q", "CC-2", 2.0)], types=CUR2_TYPES, columns=fewer)
    other = inspect_parquet(str(c), str(c))
    assert first.columns is second.columns
    assert list(other.columns) == fewer
    assert all(other.columns[name] == first.columns[name] for name in fewer)


def test_a_footer_that_does_not_parse_is_pyarrows_error(tmp_path: Path) -> None:
    good = write(tmp_path / "good.parquet", [tagged("p", "CC-1", 1.0)])
    data = bytearray(good.read_bytes())
    length = int.from_bytes(data[-8:-4], "little")
    data[-8 - length : -8] = b"\x07" * length  # a plausible length, bytes that are no footer
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(bytes(data))
    with pytest.raises(Exception) as pyarrow_says:
        pq.read_metadata(bad)
    with pytest.raises(InputError) as raised:
        inspect_parquet(str(bad), "s/bad.parquet")
    message = str(raised.value)
    assert "\n" not in message and "s/bad.parquet" in message
    assert str(pyarrow_says.value).splitlines()[0] in message
