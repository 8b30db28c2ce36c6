"""The Lambda adapter: an export delivery's S3 event in, the month's statements out.

Parses the event (S3 notification, or the same through SQS, SNS or EventBridge), calls
``run()`` once per delivered manifest, logs one JSON line per run and returns a small JSON
result. Settings come from the environment: ``CHARGEBACK_OUT`` (required, e.g.
``s3://bucket/chargeback``), ``CHARGEBACK_COST_CENTER_TAG``, ``CHARGEBACK_COST_MEASURE``,
``CHARGEBACK_THREADS``, ``CHARGEBACK_MEMORY_LIMIT``, ``CHARGEBACK_TEMPLATES`` (a folder of
report templates), and ``CHARGEBACK_CONFIG`` naming a ``chargeback.toml`` (rules, policies,
statement tags) shipped with the function.

Errors: a failure a retry can fix (S3 throttling or unavailable) is raised, so Lambda retries
and alarms fire; a bad export or setting is reported in the result and the log line
(``"status": "failed"``) and not retried. Importing this module does not import the CLI.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from typing import Any

from chargeback.errors import ChargebackError, ConfigError
from chargeback.frontends.s3event import Delivery, created_objects, delivery
from chargeback.pipeline import RunResult, run
from chargeback.settings.files import build_run_config, find_config, load_settings
from chargeback.settings.model import CostMeasure, RunConfig


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Lambda entry point."""
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        os.chdir(tempfile.gettempdir())  # DuckDB spills to ./.tmp; only /tmp is writable
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
        result = run(config_from_env(found))
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
    record = {**base, **summary(result), "seconds": round(time.monotonic() - started, 3)}
    log(record)
    return record, None


def config_from_env(found: Delivery) -> RunConfig:
    """The run's settings: ``CHARGEBACK_*`` variables, else the config file, else defaults."""
    env = os.environ
    measure = env.get("CHARGEBACK_COST_MEASURE") or None
    try:
        cost_measure = CostMeasure(measure) if measure else None
    except ValueError as e:
        choices = ", ".join(m.value for m in CostMeasure)
        raise ConfigError(f"CHARGEBACK_COST_MEASURE={measure!r}: use one of {choices}") from e
    threads = env.get("CHARGEBACK_THREADS") or None
    if threads is not None and not threads.strip().isdigit():
        raise ConfigError(f"CHARGEBACK_THREADS={threads!r}: give a whole number, e.g. 2")
    settings = load_settings(find_config(None))  # CHARGEBACK_CONFIG names a chargeback.toml
    out = env.get("CHARGEBACK_OUT", "").strip() or None
    if out is None and "out" not in settings.run:
        raise ConfigError(
            "CHARGEBACK_OUT is not set: give the function the output URI, e.g. "
            "s3://bucket/chargeback, in its environment"
        )
    return build_run_config(
        found.root,
        str(found.period),
        settings,
        out=out,
        cost_center_tag=env.get("CHARGEBACK_COST_CENTER_TAG") or None,
        cost_measure=cost_measure,
        threads=int(threads) if threads is not None else None,
        memory_limit=env.get("CHARGEBACK_MEMORY_LIMIT") or None,
        templates=env.get("CHARGEBACK_TEMPLATES") or None,
    )


def summary(result: RunResult) -> dict[str, Any]:
    """The figures of a run worth a log line: files, rows, totals, where they went."""
    info = result.info
    return {
        "status": "superseded" if result.superseded_by else "published",
        "superseded_by": result.superseded_by,
        "files": len(info["files"]),
        "rows": info["rows"],
        "totals": [
            {k: t[k] for k in ("currency", "export_bedrock_total", "attributed", "unattributed")}
            for t in info["totals"]
        ],
        "output": result.output_dir,
    }


def log(record: dict[str, Any]) -> None:
    """One JSON line on stdout, which Lambda sends to CloudWatch Logs."""
    sys.stdout.write(json.dumps(record, default=str, sort_keys=True) + "\n")
    sys.stdout.flush()
