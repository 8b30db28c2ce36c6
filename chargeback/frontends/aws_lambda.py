"""The Lambda adapter: an export delivery's S3 event in, the month's statements out.

Parses the event (S3 notification, or the same through SQS, SNS or EventBridge), calls
``run()`` once per delivered manifest, logs one JSON line per run and returns a small JSON
result. Settings come from the environment: ``CHARGEBACK_OUT`` (required, e.g.
``s3://bucket/chargeback``), ``CHARGEBACK_COST_CENTER_TAG``, ``CHARGEBACK_COST_MEASURE``,
``CHARGEBACK_THREADS``, ``CHARGEBACK_MEMORY_LIMIT``, ``CHARGEBACK_STRICT``,
``CHARGEBACK_TEMPLATES`` (a folder of report templates), ``CHARGEBACK_CONFIG`` naming a
``chargeback.toml`` (rules, policies, statement tags) shipped with the function, and
``CHARGEBACK_ALERT_TOPIC``, an SNS topic the month's alerts (budgets, anomalies) are sent to.

Errors: a failure a retry can fix (S3 throttling or unavailable) is raised, so Lambda retries
and alarms fire; a bad export or setting is reported in the result and the log line
(``"status": "failed"``) and not retried. A setting that matches nothing (the cost-center
tag, a mapping table) is a ``warnings`` entry of the log line, or with ``CHARGEBACK_STRICT``
a failure. Importing this module does not import the CLI.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from typing import Any

from chargeback.errors import ChargebackError
from chargeback.frontends.s3event import Delivery, created_objects, delivery
from chargeback.pipeline import run
from chargeback.publish.alerts_topic import send_alerts
from chargeback.results import RunResult, money
from chargeback.settings.model import RunConfig
from chargeback.settings.resolve import resolve_run_config


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Lambda entry point."""
    runs: list[dict[str, Any]] = []
    skipped: list[str] = []
    retry: ChargebackError | None = None
    seen: set[tuple[str, str]] = set()
    for obj in created_objects(event):
        found = delivery(obj)
        if found is None:
            skipped.append(obj.uri)
            log({"event": "skipped", "object": obj.uri, "reason": "not an export manifest"})
            continue
        if (found.root, str(found.period)) in seen:
            continue  # one run per delivery, however many records name it
        seen.add((found.root, str(found.period)))
        outcome, error = run_delivery(found)
        runs.append(outcome)
        if error is not None and error.retryable:
            retry = error
    if not runs and not skipped:
        log({"event": "ignored", "reason": "no S3 ObjectCreated record in the event"})
    if retry is not None:
        raise retry  # Lambda retries the event; the run wrote nothing, so retrying is safe
    status = "failed" if any(r["status"] == "failed" for r in runs) else "ok"
    return {"status": status if runs else "skipped", "runs": runs, "skipped": skipped}


def run_delivery(found: Delivery) -> tuple[dict[str, Any], ChargebackError | None]:
    """Run one delivery; returns its log record, and the error when it failed."""
    started = time.monotonic()
    base: dict[str, Any] = {
        "event": "chargeback_run",
        "billing_period": str(found.period),
        "source": found.root,
        "manifest": found.manifest.uri,
    }
    try:
        result = run(config_for(found))
    except ChargebackError as e:
        record = {
            **base,
            "status": "retry" if e.retryable else "failed",
            "error": " ".join(str(e).split()),
            "error_type": type(e).__name__,
            "seconds": round(time.monotonic() - started, 3),
        }
        log(record)
        return record, e
    record = {**base, **summary(result), **notify(result)}
    record["seconds"] = round(time.monotonic() - started, 3)
    log(record)
    return record, None


def config_for(found: Delivery) -> RunConfig:
    """The delivery's run: ``CHARGEBACK_*`` variables, else the config file, else defaults;
    ``CHARGEBACK_OUT`` (or ``out`` in the config file) is required."""
    return resolve_run_config(found.root, str(found.period), require_out=True)


def summary(result: RunResult) -> dict[str, Any]:
    """The figures of a run worth a log line: files, rows, totals, where they went."""
    rows = result.rows
    adjustment = result.adjustment
    if adjustment is not None:  # a closed month: "adjusted" or "unchanged" (issue 18)
        status = adjustment.status
    else:
        status = "superseded" if result.superseded_by else "published"
    return {
        "status": status,
        "adjustment_id": None if adjustment is None else adjustment.adjustment_id,
        "superseded_by": result.superseded_by,
        "files": len(result.files),
        "cost_measure_applied": result.settings.cost_measure_applied,
        "rows": {
            "input": rows.input,
            "period": rows.period,
            "bedrock": rows.bedrock,
            "measure_fallback_to_unblended": rows.measure_fallback_to_unblended,
            "bedrock_selected_by": asdict(rows.bedrock_selected_by),
        },
        "totals": [
            {
                "currency": t.currency,
                "export_bedrock_total": money(t.export_bedrock_total),
                "attributed": money(t.attributed),
                "unattributed": money(t.unattributed),
            }
            for t in result.totals
        ],
        "output": result.output_dir,
        "warnings": list(result.warnings),
        "alerts": [] if result.alerts is None else [a.message for a in result.alerts.alerts],
    }


def notify(result: RunResult) -> dict[str, Any]:
    """Send the month's alerts to ``CHARGEBACK_ALERT_TOPIC`` when it is set, the run
    published its statements and found alerts: the message id, or why it was not sent."""
    topic = result.config.alert_topic
    alerts = () if result.alerts is None else result.alerts.alerts
    if topic is None or not alerts or result.superseded_by or result.adjustment is not None:
        return {}
    lines = [a.message for a in alerts]
    message_id, error = send_alerts(topic, result.billing_period, lines, result.output_dir)
    if error is not None:
        return {"alerts_topic": topic, "alerts_error": error}
    return {"alerts_topic": topic, "alerts_message_id": message_id}


def log(record: dict[str, Any]) -> None:
    """One JSON line on stdout, which Lambda sends to CloudWatch Logs."""
    sys.stdout.write(json.dumps(record, default=str, sort_keys=True) + "\n")
    sys.stdout.flush()
