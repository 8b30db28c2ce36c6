"""Sending a month's alerts to an SNS topic (``CHARGEBACK_ALERT_TOPIC``), for the Lambda.

One message per run that has alerts: a subject naming the month and the count, then one
line per alert (worst first) and where the statements are. The SDK finds the endpoint the
standard way (``AWS_ENDPOINT_URL_SNS`` for a local server). A failure to send is returned
as text for the run's log line, never raised: the statements are already published, and
a retry of the whole run would not make the topic reachable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: SNS subjects: at most 100 characters, printable ASCII, no line breaks.
SUBJECT_LIMIT = 100


def alert_message(period: str, lines: Sequence[str], where: str) -> tuple[str, str]:
    """(subject, body) of the message for ``period``'s alert lines."""
    subject = f"Bedrock chargeback {period}: {len(lines)} alert(s)"
    subject = "".join(c if " " <= c <= "~" else "?" for c in subject)[:SUBJECT_LIMIT]
    body = "\n".join([subject, "", *(f"- {line}" for line in lines), "", f"Statements: {where}"])
    return subject, body + "\n"


def send_alerts(
    topic: str, period: str, lines: Sequence[str], where: str, client: Any = None
) -> tuple[str | None, str | None]:
    """Publish the alert lines to ``topic``: (message id, None), or (None, the error)."""
    subject, body = alert_message(period, lines, where)
    try:
        if client is None:
            import boto3

            region = topic.split(":")[3] if topic.count(":") >= 5 else None
            client = boto3.client("sns", region_name=region or None)
        response = client.publish(TopicArn=topic, Subject=subject, Message=body)
        return str(response["MessageId"]), None
    except Exception as e:  # botocore's errors, or no credentials: said in the log line
        return None, f"cannot publish the alerts to {topic}: {' '.join(str(e).split())}"
