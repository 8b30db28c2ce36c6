"""A manifest's files are found as before when listing learns about their folders once
(issue 19: thousands of files in a few folders): the longest tail of each key that exists,
and one file named twice through a link (to the file or to its folder) is still refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from chargeback.errors import InputError
from chargeback.read.local import LocalSource
from chargeback.settings.model import Period
from tests.support.builders import tagged, write
from tests.support.delivery import EXPORT, cur2_manifest

PERIOD = "2026-10"
BUCKET = "billing"
DATA = f"data/BILLING_PERIOD={PERIOD}"
MANIFEST = f"metadata/BILLING_PERIOD={PERIOD}/{EXPORT}-Manifest.json"


def _manifest(root: Path, keys: list[str]) -> Path:
    path = root / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(cur2_manifest(BUCKET, keys)), encoding="utf-8")
    return path


def _write(path: Path, cost: float) -> Path:
    return write(path, [tagged("p", "CC-1", cost)])


def test_each_key_finds_its_longest_tail(tmp_path: Path) -> None:
    root = tmp_path / EXPORT
    # the first key's folder exists under the export's own prefix only for the second file
    a = _write(root / DATA / "a.parquet", 1.0)
    b = _write(root / "cur" / EXPORT / DATA / "b.parquet", 2.0)
    _write(root / DATA / "b.parquet", 3.0)  # a shorter tail of b's key: not the one read
    many = [_write(root / DATA / f"m-{i:03d}.parquet", 4.0 + i) for i in range(40)]
    keys = [f"cur/{EXPORT}/{DATA}/a.parquet", f"cur/{EXPORT}/{DATA}/b.parquet"]
    keys += [f"cur/{EXPORT}/{DATA}/{p.name}" for p in many]
    _manifest(root, keys)
    source = LocalSource.open(root, Period.parse(PERIOD))
    assert [f.uri for f in source.files] == [str(a), str(b), *(str(p) for p in many)]


@pytest.mark.parametrize("link", ["file", "folder"])
def test_one_file_named_twice_through_a_link_is_refused(tmp_path: Path, link: str) -> None:
    root = tmp_path / EXPORT
    _write(root / DATA / "a.parquet", 1.0)
    _write(root / DATA / "b.parquet", 2.0)
    if link == "file":
        os.symlink(root / DATA / "a.parquet", root / DATA / "same.parquet")
        second = f"{DATA}/same.parquet"
    else:
        os.symlink(root / DATA, root / "data" / "again")
        second = "data/again/a.parquet"
    manifest = _manifest(root, [f"{DATA}/a.parquet", f"{DATA}/b.parquet", second])
    with pytest.raises(InputError) as info:
        LocalSource.open(root, Period.parse(PERIOD))
    assert str(info.value).startswith(
        f"manifest {manifest} lists {root / second} twice (as s3://{BUCKET}/{DATA}/a.parquet "
        f"and as s3://{BUCKET}/{second})"
    )
