"""Invocation logs for tests: an export's default-project and shared usage, and the log
records that explain it, written as real gzipped JSON Lines in AWS's layout."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from sample_data.generator.columns import CUR2_TYPES as ALL_CUR2_TYPES
from sample_data.generator.invocation_logs import record, write_logs
from tests.support.builders import PROJECT, cur2_row, tagged, write

ACCOUNT = "444455556666"
REGION = "us-east-1"
DEFAULT = PROJECT + "default"
PROFILE = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:application-inference-profile/shared1"
GATEWAY = f"arn:aws:sts::{ACCOUNT}:assumed-role/gateway/session-1"
GATEWAY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/gateway"
H10 = datetime(2026, 10, 3, 10)
H11 = datetime(2026, 10, 3, 11)


def interval(hour: datetime) -> str:
    end = hour + timedelta(hours=1)
    return f"{hour:%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}"


def usage(cost: float, usage_type: str, hour: datetime, amount: float, **kw: Any) -> dict[str, Any]:
    return cur2_row(
        cost=cost,
        line_item_usage_type=usage_type,
        line_item_usage_amount=amount,
        identity_time_interval=interval(hour),
        product={"region": REGION, "model": kw.pop("model", "Amazon Nova Pro")},
        **{"line_item_resource_id": DEFAULT, **kw},
    )


def log(
    hour: datetime, model_id: str, kind: str, tokens: int, cc: str | None, **kw: Any
) -> dict[str, Any]:
    counts = {
        "input": {"input_tokens": tokens},
        "output": {"output_tokens": tokens},
        "cache_read": {"cache_read": tokens},
        "cache_write": {"cache_write": tokens},
    }[kind]
    metadata = {"costCenter": cc, "team": "t-" + cc.lower()} if cc else None
    return record(
        timestamp=hour.replace(minute=17),
        account=kw.pop("account", ACCOUNT),
        region=kw.pop("region", REGION),
        model_id=model_id,
        metadata=metadata,
        **{"principal": f"arn:aws:sts::{ACCOUNT}:assumed-role/app/x", **counts, **kw},
    )


#: (export row, [(cost center or None for untagged, tokens)]) -- the shares each line is split by.
def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows = [
        usage(10.00, "USE1-NovaPro-input-tokens", H10, 30.0),
        usage(5.01, "USE1-NovaPro-output-tokens", H10, 2.0),
        usage(7.00, "USE1-NovaPro-input-tokens", H11, 20.0),  # no log: no_log_match
        tagged(
            "proj_t",
            "CC-3003",
            4.00,
            line_item_usage_type="USE1-NovaPro-input-tokens",
            identity_time_interval=interval(H10),
            product={"region": REGION, "model": "Amazon Nova Pro"},
        ),
        usage(
            9.00,
            "USE1-Claude4.6Sonnet-input-tokens",
            H10,
            9.0,
            model="Claude Sonnet 4.6",
            line_item_resource_id=PROFILE,
        ),
        cur2_row(cost=1.11, line_item_line_item_type="Tax", line_item_usage_type="Tax"),
    ]
    logs = [
        log(H10, "amazon.nova-pro-v1:0", "input", 20_000, "CC-1001"),
        log(H10, "us.amazon.nova-pro-v1:0", "input", 10_000, "CC-2002"),
        log(H10, "amazon.nova-pro-v1:0", "output", 1_000, "CC-1001"),
        log(H10, "amazon.nova-pro-v1:0", "output", 1_000, None),
        log(H10, "amazon.nova-pro-v1:0", "output", 500, None, error_code="ThrottlingException"),
        log(H10, PROFILE, "input", 6_000, "CC-1001"),
        log(H10, PROFILE, "input", 3_000, None, principal=GATEWAY),
        # a record of another month, delivered in the period's folders: not counted
        log(datetime(2026, 9, 30, 23), "amazon.nova-pro-v1:0", "input", 99_999, "CC-3003"),
    ]
    return rows, logs


def expected(
    rows: list[dict[str, Any]], logs: list[dict[str, Any]], principal_map: dict[str, str]
) -> dict[str, Decimal]:
    """Cost center -> exact amount, computed here from the rows and records (Fractions):
    each untagged default-project or shared-profile token line split by its hour's log tokens
    (same model or profile, kind), failed calls and other months left out."""
    kinds = {"input": "inputTokenCount", "output": "outputTokenCount"}
    found: dict[str, Fraction] = defaultdict(Fraction)
    for row in rows:
        cost = Fraction(str(row["line_item_net_unblended_cost"]))
        tags = row.get("resource_tags") or {}
        if tags.get("user_cost_center"):
            found[tags["user_cost_center"]] += cost
            continue
        usage_type = row["line_item_usage_type"]
        kind = (
            "input"
            if usage_type.endswith("input-tokens")
            else "output"
            if usage_type.endswith("output-tokens")
            else None
        )
        if kind is None:
            found["UNATTRIBUTED"] += cost
            continue
        hour = row["identity_time_interval"][:13]
        shares: dict[str, int] = defaultdict(int)
        for r in logs:
            if r.get("errorCode") or r["timestamp"][:13] != hour:
                continue
            if r["accountId"] != row["line_item_usage_account_id"]:
                continue
            profile = row["line_item_resource_id"] == PROFILE
            if profile != (r["modelId"] == PROFILE):
                continue
            if not profile and "nova-pro" not in r["modelId"]:
                continue
            tokens = (
                r["input"].get(kinds[kind]) if kind == "input" else r["output"].get(kinds[kind])
            )
            if not tokens:
                continue
            cc = (r.get("requestMetadata") or {}).get("costCenter")
            if cc is None:
                role = principal_map.get(
                    r["identity"]["arn"]
                    .replace(":sts::", ":iam::")
                    .rsplit("/", 1)[0]
                    .replace("assumed-role", "role")
                )
                cc = role
            shares[cc or "UNATTRIBUTED"] += tokens
        if not shares:
            found["UNATTRIBUTED"] += cost
            continue
        total = sum(shares.values())
        for cc, tokens in shares.items():
            found[cc] += cost * tokens / total
    return {cc: Decimal(v.numerator) / Decimal(v.denominator) for cc, v in found.items()}


def write_scenario(
    tmp_path: Path, rows: list[dict[str, Any]], logs: list[dict[str, Any]]
) -> tuple[Path, Path]:
    export = write(
        tmp_path / "export" / "data" / "part-1.parquet", rows, types=ALL_CUR2_TYPES
    ).parent.parent
    log_root = tmp_path / "logs"
    write_logs(log_root, logs)
    return export, log_root
