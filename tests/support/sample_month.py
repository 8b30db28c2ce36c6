"""The shipped sample month (sample_data/bedrock-cur2) summed here in plain Python from its
Parquet rows, without DuckDB or chargeback code: what its statements must say to the cent."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

import pyarrow.parquet as pq

from chargeback.allocate.money import round_money
from tests.support.paths import REPO, SAMPLE

#: The README's example config (mapping table, master list, tax split).
EXAMPLE = REPO / "examples" / "sample-config" / "chargeback.toml"
D = Decimal
CENT = D("0.01")

BEDROCK_CODES = {
    "AmazonBedrock",
    "AmazonBedrockService",
    "AmazonBedrockFoundationModels",
    "AmazonBedrockAgentCore",
}


def exact_by_bucket(rows: list[dict[str, Any]], legacy: bool = False) -> dict[str, Decimal]:
    """Bedrock net unblended cost per cost center and unattributed reason."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        product = (
            dict(r.get("product") or [])
            if not legacy
            else {"product_name": r.get("product_product_name")}
        )
        family = r.get("product_product_family")
        marketplace = r["bill_billing_entity"] == "AWS Marketplace" and "Amazon Bedrock" in (
            product.get("product_name") or ""
        )
        if not (
            family == "Amazon Bedrock"
            or r["line_item_product_code"] in BEDROCK_CODES
            or marketplace
        ):
            continue
        if r["bill_billing_period_start_date"].strftime("%Y-%m") != "2026-10":
            continue
        if legacy:
            tag = r.get("resource_tags_user_cost_center")
        else:
            tag = dict(r.get("resource_tags") or []).get("user_cost_center")
        tag = (tag or "").strip()
        resource = (r.get("line_item_resource_id") or "").strip()
        if tag:
            key = tag
        elif resource.endswith("project/default"):
            key = "UNATTRIBUTED/default_project"
        elif resource:
            key = "UNATTRIBUTED/untagged"
        else:
            key = "UNATTRIBUTED/no_resource"
        out[key] += Decimal(repr(r["line_item_net_unblended_cost"]))
    return out


def sample_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted((SAMPLE / "data").rglob("*.parquet")):
        rows.extend(pq.read_table(path).to_pylist())
    return rows


def check(
    result_summary: dict[str, str], lines: list[dict[str, str]], exact: dict[str, Decimal]
) -> None:
    centers = {k: v for k, v in exact.items() if not k.startswith("UNATTRIBUTED")}
    unattributed = sum((v for k, v in exact.items() if k.startswith("UNATTRIBUTED")), Decimal(0))
    assert set(result_summary) == {*centers, "UNATTRIBUTED"}
    for name, amount in {**centers, "UNATTRIBUTED": unattributed}.items():
        assert abs(Decimal(result_summary[name]) - amount) < Decimal("0.01"), name
    total = round_money(sum(exact.values(), Decimal(0)))
    assert sum(Decimal(v) for v in result_summary.values()) == total
    reasons: dict[str, Decimal] = defaultdict(Decimal)
    count: dict[str, int] = defaultdict(int)
    for line in lines:
        if line["cost_center"] == "UNATTRIBUTED":
            reasons[line["unattributed_reason"]] += Decimal(line["amount"])
            count[line["unattributed_reason"]] += 1
    assert set(reasons) == {"default_project", "untagged", "no_resource"}
    for reason, amount in reasons.items():
        # each rounded line is within a cent of its exact amount
        assert abs(amount - exact[f"UNATTRIBUTED/{reason}"]) < Decimal("0.01") * count[reason]


def sample_expected() -> dict[str, Decimal]:
    """The example config applied to the sample by hand: tags, map, master, tax split."""
    master = {"cc-1001": "CC-1001", "cc-2002": "CC-2002", "cc-3003": "CC-3003", "cc2002": "CC-2002"}
    resource_map = {
        "z9y8x7w6v5u4": "cc-3003",
        "arn:aws:bedrock:us-east-1:777788889999:custom-model/amazon.nova-pro-v1:0:300k/"
        "cm7x2q9w4e1r": "cc2002",
    }
    codes = ("AmazonBedrock", "AmazonBedrockService", "AmazonBedrockFoundationModels")
    exact: dict[str, Decimal] = defaultdict(Decimal)
    usage: dict[str, Decimal] = defaultdict(Decimal)
    tax_pool = D(0)
    for path in sorted(SAMPLE.glob("data/*/*.parquet")):
        for row in pq.read_table(path).to_pylist():
            product = dict(row.get("product") or [])
            bedrock = (
                row["product_product_family"] == "Amazon Bedrock"
                or row["line_item_product_code"] in codes
                or (
                    row["bill_billing_entity"] == "AWS Marketplace"
                    and "amazon bedrock" in (product.get("product_name") or "").lower()
                )
            )
            if not bedrock:
                continue
            net = row["line_item_net_unblended_cost"]
            cost = D(str(net if net is not None else row["line_item_unblended_cost"]))
            tag = (dict(row.get("resource_tags") or []).get("user_cost_center") or "").strip()
            rid = (row["line_item_resource_id"] or "").strip()
            found = tag or resource_map.get(rid.lower()) or resource_map.get(rid.split("/")[-1])
            cc = master.get(found.lower()) if found else None
            if cc is None:
                if row["line_item_line_item_type"] == "Tax":
                    tax_pool += cost
                else:
                    exact["UNATTRIBUTED"] += cost
                continue
            exact[cc] += cost
            if row["line_item_line_item_type"] in ("Usage", "DiscountedUsage"):
                usage[cc] += cost
    weight = sum(usage.values())
    for cc, w in usage.items():
        exact[cc] += tax_pool * w / weight
    # Round the cost centers so they add up to the rounded total (largest remainder).
    total = sum(exact.values(), D(0)).quantize(CENT, rounding=ROUND_HALF_UP)
    floors = {cc: v.quantize(CENT, rounding=ROUND_FLOOR) for cc, v in exact.items()}
    missing = int((total - sum(floors.values())) / CENT)
    for cc in sorted(exact, key=lambda c: floors[c] - exact[c])[:missing]:
        floors[cc] += CENT
    return floors
