"""The ways the benchmark compares, each run alone in a child process (for its peak RSS).

    python benchmarks/ways.py floor SOURCE PERIOD    one DuckDB query, no outputs
    python benchmarks/ways.py pandas SOURCE PERIOD   pandas read_parquet + groupby

Each prints one JSON line: per currency and cost center, the Bedrock cost (exact text).
The full ``chargeback run`` is the third way; benchmarks/run.py starts it as the CLI.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

#: The columns the chargeback run reads (the pandas way reads the same ones).
COLUMNS = [
    "bill_billing_period_start_date",
    "bill_billing_entity",
    "bill_invoice_id",
    "identity_line_item_id",
    "identity_time_interval",
    "line_item_line_item_type",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_operation",
    "line_item_resource_id",
    "line_item_usage_account_id",
    "line_item_usage_amount",
    "line_item_unblended_cost",
    "line_item_net_unblended_cost",
    "line_item_currency_code",
    "line_item_iam_principal",
    "pricing_unit",
    "product_product_family",
    "product",
    "resource_tags",
    "tags",
]
BEDROCK_CODES = [
    "AmazonBedrock",
    "AmazonBedrockService",
    "AmazonBedrockFoundationModels",
    "AmazonBedrockAgentCore",
]


def parquet_files(source: Path) -> list[str]:
    return sorted(str(p) for p in source.rglob("*.parquet"))


def period_bounds(period: str) -> tuple[date, date]:
    year, month = (int(x) for x in period.split("-"))
    return date(year, month, 1), date(year + month // 12, month % 12 + 1, 1)


def floor(source: Path, period: str) -> dict[str, str]:
    import duckdb

    start, end = period_bounds(period)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # the export's timestamps are UTC
    sql = (HERE / "floor.sql").read_text(encoding="utf-8")
    params = {"files": parquet_files(source), "period_start": start, "period_end": end}
    rows = con.execute(sql, params).fetchall()
    return {f"{r[1]}/{r[0]}": str(r[2]) for r in rows}


def pandas_way(source: Path, period: str) -> dict[str, str]:
    """What many users write today: read the columns into a DataFrame, filter, groupby."""
    import pandas as pd

    start, end = period_bounds(period)
    kept = []
    for path in parquet_files(source):  # file by file: a whole month would not fit in memory
        df = pd.read_parquet(path, columns=COLUMNS)
        when = df["bill_billing_period_start_date"]
        in_period = (when >= pd.Timestamp(start, tz="UTC")) & (when < pd.Timestamp(end, tz="UTC"))
        product = df["product"].map(lambda m: dict(m) if m is not None else {})
        family = df["product_product_family"].fillna(product.map(lambda m: m.get("product_family")))
        name = product.map(lambda m: (m.get("product_name") or "").lower())
        bedrock = (
            (family == "Amazon Bedrock")
            | df["line_item_product_code"].isin(BEDROCK_CODES)
            | (
                (df["bill_billing_entity"] == "AWS Marketplace")
                & name.str.contains("amazon bedrock")
            )
        )
        kept.append(df[in_period & bedrock])
        del df, product
    lines = pd.concat(kept, ignore_index=True)

    def cost_center(row: Any) -> str:
        for tags, key in (
            (row.resource_tags, "user_cost_center"),
            (row.tags, "resourceTags/CostCenter"),
        ):
            value = (dict(tags) if tags is not None else {}).get(key)
            if value is not None and value.strip():
                return str(value.strip())
        return "UNATTRIBUTED"

    lines["cost_center"] = lines.apply(cost_center, axis=1)
    lines["cost"] = lines["line_item_net_unblended_cost"].fillna(lines["line_item_unblended_cost"])
    sums = lines.groupby(["line_item_currency_code", "cost_center"])["cost"].sum()
    return {f"{key[0]}/{key[1]}": repr(float(v)) for key, v in sums.items()}  # type: ignore[index]


def totals(result: dict[str, str]) -> dict[str, Decimal]:
    """Per currency, the total of a way's result, for the cross-check."""
    out: dict[str, Decimal] = {}
    for key, value in result.items():
        currency = key.split("/", 1)[0]
        out[currency] = out.get(currency, Decimal(0)) + Decimal(value)
    return out


def main(argv: list[str]) -> int:
    way, source, period = argv[0], Path(argv[1]), argv[2]
    result = {"floor": floor, "pandas": pandas_way}[way](source, period)
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
