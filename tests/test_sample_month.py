"""The shipped sample month, CUR 2.0 and legacy CUR: per cost center amounts to the cent,
against sums computed here in plain Python from the Parquet rows."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from conftest import SAMPLE, RunFn, read_csv, summary_amounts

from chargeback.allocate.money import round_money
from sample_data.generator.cur2 import bedrock_sample_rows, write_legacy_cur

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


def test_sample_cur2(run_on: RunFn) -> None:
    result = run_on(SAMPLE)
    summary = summary_amounts(result)
    check(summary, read_csv(Path(result.outputs["lines"])), exact_by_bucket(sample_rows()))
    # the published figures of sample_data/README.md
    assert summary == {
        "CC-1001": "3195.45",
        "CC-2002": "1248.77",
        "CC-3003": "1619.89",
        "UNATTRIBUTED": "533.72",
    }
    assert result.source.manifest is not None
    assert result.rows.bedrock == 9377


@pytest.fixture(scope="module")
def legacy_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("legacy")
    write_legacy_cur(root, bedrock_sample_rows("2026-10", 7))
    # a legacy folder holds other billing periods too: select by date, never by folder
    write_legacy_cur(root, bedrock_sample_rows("2026-09", 7), name="bedrock-legacy-sept")
    return root


def test_sample_legacy_cur(run_on: RunFn, legacy_export: Path) -> None:
    rows: list[dict[str, Any]] = []
    for path in sorted(legacy_export.rglob("*.parquet")):
        rows.extend(pq.read_table(path).to_pylist())
    result = run_on(legacy_export)
    assert result.source.schema == "legacy_cur"
    summary = summary_amounts(result)
    check(summary, read_csv(Path(result.outputs["lines"])), exact_by_bucket(rows, legacy=True))
    assert summary == {
        "CC-1001": "3195.45",
        "CC-2002": "1248.77",
        "CC-3003": "1619.89",
        "UNATTRIBUTED": "533.72",
    }
