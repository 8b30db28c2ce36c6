"""Reading S3 events in every wrapping, and telling a delivered manifest from other keys."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chargeback.frontends.s3event import CreatedObject, created_objects, delivery

KEY = "cur/bedrock-cur2/metadata/BILLING_PERIOD%3D2026-04/bedrock-cur2-Manifest.json"
DECODED = "cur/bedrock-cur2/metadata/BILLING_PERIOD=2026-04/bedrock-cur2-Manifest.json"


def notification(key: str = KEY, name: str = "ObjectCreated:CompleteMultipartUpload") -> Any:
    return {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": name,
                "s3": {"bucket": {"name": "exports"}, "object": {"key": key, "size": 9}},
            }
        ]
    }


def test_notification_key_is_url_decoded() -> None:
    assert created_objects(notification()) == [
        CreatedObject("exports", DECODED, "ObjectCreated:CompleteMultipartUpload")
    ]


def test_plus_in_a_notification_key_is_a_space() -> None:
    (obj,) = created_objects(notification("reports/my+export/a%2Bb.parquet"))
    assert obj.key == "reports/my export/a+b.parquet"


def test_removed_objects_and_test_events_are_ignored() -> None:
    assert created_objects(notification(name="ObjectRemoved:Delete")) == []
    assert created_objects({"Service": "Amazon S3", "Event": "s3:TestEvent"}) == []
    assert created_objects({"Records": "nonsense"}) == []
    assert created_objects(None) == []


def test_sqs_sns_and_eventbridge_wrappings() -> None:
    inner = json.dumps(notification())
    sqs = {"Records": [{"eventSource": "aws:sqs", "body": inner}]}
    sns = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": inner}}]}
    sns_in_sqs = {"Records": [{"body": json.dumps({"Type": "Notification", "Message": inner})}]}
    bridge = {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": "exports"}, "object": {"key": DECODED}},
    }
    for event in (sqs, sns, sns_in_sqs, bridge):
        (obj,) = created_objects(event)
        assert (obj.bucket, obj.key) == ("exports", DECODED)


def test_bad_sqs_body_gives_nothing() -> None:
    assert created_objects({"Records": [{"body": "{not json"}]}) == []


@pytest.mark.parametrize(
    ("key", "root", "period"),
    [
        (DECODED, "s3://exports/cur/bedrock-cur2", "2026-04"),
        (  # CREATE_NEW_REPORT: one folder per delivery
            "cur/x/metadata/BILLING_PERIOD=2026-12/20261203T0102Z-abc/x-Manifest.json",
            "s3://exports/cur/x",
            "2026-12",
        ),
        ("metadata/BILLING_PERIOD=2026-01/x-Manifest.json", "s3://exports", "2026-01"),
    ],
)
def test_manifest_keys_name_root_and_period(key: str, root: str, period: str) -> None:
    found = delivery(CreatedObject("exports", key))
    assert found is not None
    assert (found.root, str(found.period)) == (root, period)


@pytest.mark.parametrize(
    "key",
    [
        "cur/x/data/BILLING_PERIOD=2026-04/x-00001.snappy.parquet",
        "cur/x/metadata/BILLING_PERIOD=2026-13/x-Manifest.json",
        "cur/x/metadata/BILLING_PERIOD=2026-04/x-Manifest.json.tmp",
        "cur/x/metadata/x-Manifest.json",
        "notes/readme.txt",
    ],
)
def test_other_keys_are_not_deliveries(key: str) -> None:
    assert delivery(CreatedObject("exports", key)) is None
