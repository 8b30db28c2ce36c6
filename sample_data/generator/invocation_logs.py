"""Bedrock model invocation logs as AWS delivers them to S3, for the sample month and tests.

``record`` builds one ``ModelInvocationLog`` record (bodies included, as AWS writes them, so
a reader that parsed them would pay for it); ``write_logs`` writes records as gzipped JSON
Lines under ``AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/``, one
object per account, region and hour, plus a large-body object under ``.../HH/data/`` now
and then (not records: readers must skip it). ``sample_logs`` makes the sample month's: the
default project's runtime calls (Amazon Nova Pro in account 444455556666) by three teams,
some without ``requestMetadata``, token counts that add up to the export's usage;
account 777788889999 has no logging at all (its default-project usage is the Responses API
and Marketplace models, which the logs would not explain anyway).
"""

from __future__ import annotations

import gzip
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = "AWSLogs"


def record(
    *,
    timestamp: datetime,
    account: str,
    region: str,
    model_id: str,
    input_tokens: int = 0,
    output_tokens: int = 0,
    cache_read: int | None = None,
    cache_write: int | None = None,
    metadata: Mapping[str, str] | None = None,
    principal: str = "arn:aws:sts::444455556666:assumed-role/gateway/session",
    operation: str = "Converse",
    request_id: str = "00000000-0000-0000-0000-000000000000",
    error_code: str | None = None,
) -> dict[str, Any]:
    """One record, shaped as AWS's "Model invocation logging" documentation shows it."""
    data_input: dict[str, Any] = {
        "inputContentType": "application/json",
        "inputBodyJson": {"messages": [{"role": "user", "content": [{"text": "Hello " * 20}]}]},
        "inputTokenCount": input_tokens,
    }
    if cache_read is not None:
        data_input["cacheReadInputTokenCount"] = cache_read
    if cache_write is not None:
        data_input["cacheWriteInputTokenCount"] = cache_write
    found: dict[str, Any] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accountId": account,
        "identity": {"arn": principal},
        "region": region,
        "requestId": request_id,
        "operation": operation,
        "modelId": model_id,
        "input": data_input,
        "output": {
            "outputContentType": "application/json",
            "outputBodyJson": {"output": {"message": {"content": [{"text": "Hi " * 30}]}}},
            "outputTokenCount": output_tokens,
        },
    }
    if metadata is not None:
        found["requestMetadata"] = dict(metadata)
    if error_code is not None:
        found["errorCode"] = error_code
    return found


def object_folder(root: Path, account: str, region: str, moment: datetime) -> Path:
    return root / ROOT / account / "BedrockModelInvocationLogs" / region / f"{moment:%Y/%m/%d/%H}"


def write_logs(
    root: Path, records: Iterable[Mapping[str, Any]], body_objects: bool = True
) -> list[Path]:
    """Write ``records`` as AWS does: one gzipped JSON Lines object per account, region and
    hour of their timestamps (and, with ``body_objects``, a ``data/`` body object in the
    first hour folder, which is not a log record). Returns the objects written."""
    by_hour: dict[tuple[str, str, datetime], list[Mapping[str, Any]]] = defaultdict(list)
    for r in records:
        moment = datetime.strptime(str(r["timestamp"]), "%Y-%m-%dT%H:%M:%SZ")
        by_hour[(str(r["accountId"]), str(r["region"]), moment.replace(minute=0, second=0))].append(
            r
        )
    written = []
    for n, ((account, region, hour), members) in enumerate(sorted(by_hour.items())):
        folder = object_folder(root, account, region, hour)
        folder.mkdir(parents=True, exist_ok=True)
        path = (
            folder
            / f"{account}_BedrockModelInvocationLogs_{region}_{hour:%Y%m%dT%H%MZ}_{n:06d}.json.gz"
        )
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            for r in members:
                handle.write(json.dumps(r, separators=(",", ":")) + "\n")
        written.append(path)
        if body_objects and n == 0:
            data = folder / "data"
            data.mkdir(exist_ok=True)
            with gzip.open(data / "large-body-0001.json.gz", "wt", encoding="utf-8") as handle:
                handle.write(json.dumps({"body": "x" * 1000}) + "\n")
    return written


#: The sample month's callers of the default project: (requestMetadata, share of the calls).
SAMPLE_TEAMS: tuple[tuple[dict[str, str] | None, float], ...] = (
    ({"costCenter": "CC-1001", "applicationId": "search-assist", "team": "search"}, 0.45),
    ({"costCenter": "CC-2002", "applicationId": "support-bot", "team": "support"}, 0.30),
    ({"costCenter": "CC-3003", "applicationId": "doc-summarizer", "team": "docs"}, 0.15),
    (None, 0.10),  # calls with no metadata: stay UNATTRIBUTED (log_untagged)
)
SAMPLE_MODEL_IDS = ("amazon.nova-pro-v1:0", "us.amazon.nova-pro-v1:0")


def sample_logs(
    usage: Iterable[tuple[str, str, str, datetime, str, int]], seed: int = 14
) -> list[dict[str, Any]]:
    """Records for the sample's default-project token usage: ``usage`` gives (account,
    region, model id, hour, token kind, tokens) per export line; each line's tokens are
    spread over a few calls by the teams of ``SAMPLE_TEAMS``."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    for account, region, model_id, hour, kind, tokens in usage:
        left = tokens
        calls = max(1, min(4, tokens // 500))
        for i in range(calls):
            part = left if i == calls - 1 else rng.randint(1, max(1, left // (calls - i)))
            left -= part
            metadata = rng.choices(
                [t for t, _ in SAMPLE_TEAMS], weights=[w for _, w in SAMPLE_TEAMS]
            )[0]
            records.append(
                record(
                    timestamp=hour.replace(minute=rng.randint(0, 59), second=rng.randint(0, 59)),
                    account=account,
                    region=region,
                    model_id=model_id,
                    metadata=metadata,
                    principal=f"arn:aws:sts::{account}:assumed-role/bedrock-gateway/s{i}",
                    request_id=f"{rng.getrandbits(128):032x}",
                    input_tokens=part if kind == "input" else 0,
                    output_tokens=part if kind == "output" else 0,
                )
            )
    return records


def sample_usage(table: Any) -> list[tuple[str, str, str, datetime, str, int]]:
    """The sample export's default-project token lines the runtime API made (not the
    Responses API's ``mantle`` usage, not Marketplace models) in account 444455556666:
    (account, region, model id, hour, token kind, tokens), tokens from the usage amount in
    its pricing unit."""
    per_unit = {"1K tokens": 1_000, "1M tokens": 1_000_000}
    found = []
    for row in table.to_pylist():
        usage_type = row["line_item_usage_type"] or ""
        if not (row["line_item_resource_id"] or "").endswith(":project/default"):
            continue
        if row["line_item_usage_account_id"] != "444455556666":
            continue  # logging is off in the other account
        if (
            "mantle" in usage_type
            or "MP:" in usage_type
            or row["line_item_line_item_type"] != "Usage"
        ):
            continue
        kind = "input" if usage_type.endswith("input-tokens") else "output"
        start = datetime.strptime(row["identity_time_interval"][:19], "%Y-%m-%dT%H:%M:%S")
        product = dict(row["product"] or [])
        tokens = round(row["line_item_usage_amount"] * per_unit[row["pricing_unit"]])
        model_id = SAMPLE_MODEL_IDS[start.day % 2]  # base id and inference profile, both seen
        found.append(("444455556666", str(product.get("region")), model_id, start, kind, tokens))
    return found
