"""The Lambda sends a month's alerts to SNS (``CHARGEBACK_ALERT_TOPIC``) and logs them:
a real topic on moto's server on loopback, reached by boto3 over HTTP, delivering to an SQS
queue the test reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from chargeback.frontends import aws_lambda
from tests.support.delivery import BUCKET, EXPECTED, PERIOD, manifest_key, s3_event
from tests.support.s3server import S3


def log_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.fixture
def budgets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A master list with budgets: ML-101 is over its budget, FIN-7 well under."""
    (tmp_path / "cost_centers.csv").write_text(
        "code,name,budget,budget_currency\nML-101,ML,10.00,USD\nFIN-7,Finance,100,USD\n"
    )
    (tmp_path / "chargeback.toml").write_text('[cost_centers]\nmaster = "cost_centers.csv"\n')
    monkeypatch.setenv("CHARGEBACK_CONFIG", str(tmp_path / "chargeback.toml"))


@pytest.fixture
def topic(s3: S3, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any, str]:
    """(topic ARN, SQS client, queue URL): a topic with a queue subscribed to it."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", s3.endpoint)
    sns = boto3.client("sns", endpoint_url=s3.endpoint, region_name="us-east-1")
    sqs = boto3.client("sqs", endpoint_url=s3.endpoint, region_name="us-east-1")
    arn = sns.create_topic(Name="chargeback-alerts")["TopicArn"]
    url = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    sns.subscribe(
        TopicArn=arn,
        Protocol="sqs",
        Endpoint=queue_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    return arn, sqs, url


def test_alerts_are_logged_and_sent_to_the_topic(
    delivered: dict[str, Path],
    budgets: None,
    topic: tuple[str, Any, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    arn, sqs, url = topic
    monkeypatch.setenv("CHARGEBACK_ALERT_TOPIC", arn)
    result = aws_lambda.handler(s3_event(BUCKET, manifest_key("cur")), None)
    assert result["runs"][0]["status"] == "published"
    (line,) = log_lines(capsys.readouterr().out)
    over = EXPECTED["ML-101"]
    message = f"ML-101 over budget: spent {over} of 10.00 USD ({over * 10:.2f}% used)"
    assert line["alerts"] == [message]
    assert line["alerts_topic"] == arn and line["alerts_message_id"]
    received = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"]
    (body,) = [m["Body"] for m in received]
    assert body.splitlines()[0] == f"Bedrock chargeback {PERIOD}: 1 alert(s)"
    assert f"- {message}" in body.splitlines()
    assert line["output"] in body


def test_an_unreachable_topic_is_said_in_the_log_line_and_the_month_still_publishes(
    delivered: dict[str, Path],
    budgets: None,
    topic: tuple[str, Any, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = "arn:aws:sns:us-east-1:123456789012:no-such-topic"
    monkeypatch.setenv("CHARGEBACK_ALERT_TOPIC", missing)
    result = aws_lambda.handler(s3_event(BUCKET, manifest_key("cur")), None)
    assert result["status"] == "ok" and result["runs"][0]["status"] == "published"
    (line,) = log_lines(capsys.readouterr().out)
    assert line["alerts_error"].startswith(f"cannot publish the alerts to {missing}: ")
    assert "alerts_message_id" not in line


def test_no_topic_no_message_and_no_alerts_no_message(
    delivered: dict[str, Path],
    topic: tuple[str, Any, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    arn, sqs, url = topic
    monkeypatch.setenv("CHARGEBACK_ALERT_TOPIC", arn)  # no budgets: nothing to alert
    aws_lambda.handler(s3_event(BUCKET, manifest_key("cur")), None)
    (line,) = log_lines(capsys.readouterr().out)
    assert line["alerts"] == [] and "alerts_topic" not in line
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)


def test_a_topic_that_is_not_an_arn_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from chargeback.errors import ConfigError
    from chargeback.settings.resolve import resolve_run_config

    with pytest.raises(ConfigError, match="CHARGEBACK_ALERT_TOPIC='alerts' is not an SNS topic"):
        resolve_run_config("src", "2026-10", environ={"CHARGEBACK_ALERT_TOPIC": "alerts"})
