import json

import pytest

from chargeback.errors import InputError
from chargeback.read.manifest import key_parts, parse_manifest


def test_data_files_found_under_any_key() -> None:
    doc = {
        "executionId": "abc",
        "dataFiles": ["s3://b/p/exp/data/BILLING_PERIOD=2026-10/exp-00001.snappy.parquet"],
        "nested": {"reportKeys": ["p/exp/data/BILLING_PERIOD=2026-10/exp-00002.snappy.parquet"]},
        "columns": [{"name": "x", "type": "string"}],
    }
    m = parse_manifest("m.json", json.dumps(doc))
    assert m.data_files == (
        "s3://b/p/exp/data/BILLING_PERIOD=2026-10/exp-00001.snappy.parquet",
        "p/exp/data/BILLING_PERIOD=2026-10/exp-00002.snappy.parquet",
    )
    assert m.info["executionId"] == "abc"
    assert "columns" in m.fields


def test_bucket_and_key_objects_become_uris() -> None:
    doc = {"files": [{"bucket": "bkt", "key": "a/b.parquet", "size": 3}]}
    assert parse_manifest("m", json.dumps(doc)).data_files == ("s3://bkt/a/b.parquet",)


@pytest.mark.parametrize("text", ["{", "[]", json.dumps({"dataFiles": []})])
def test_unusable_manifest_is_an_input_error_naming_it(text: str) -> None:
    with pytest.raises(InputError, match="manifest m.json"):
        parse_manifest("m.json", text)


def test_key_parts_drop_scheme_and_bucket() -> None:
    assert key_parts("s3://bkt/a/b/c.parquet") == ["a", "b", "c.parquet"]
    assert key_parts("a/b.parquet") == ["a", "b.parquet"]
