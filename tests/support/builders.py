"""Small, readable CUR exports for tests: rows as dicts, written as real Parquet files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sample_data.generator.columns import CUR2_TYPES as ALL_CUR2_TYPES
from sample_data.generator.columns import MAP_STR as MAP

#: The columns a small test export has, in this order; their types are CUR 2.0's
#: (sample_data/generator/columns.py).
COLUMNS = (
    "bill_billing_entity",
    "bill_billing_period_start_date",
    "bill_invoice_id",
    "bill_payer_account_id",
    "identity_line_item_id",
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
    "product_servicecode",
    "product",
    "resource_tags",
    "tags",
)
CUR2_TYPES: dict[str, pa.DataType] = {name: ALL_CUR2_TYPES[name] for name in COLUMNS}

DEFAULTS: dict[str, Any] = {
    "bill_billing_entity": "AWS",
    "bill_invoice_id": "INV-1",
    "bill_payer_account_id": "111122223333",
    "line_item_line_item_type": "Usage",
    "line_item_product_code": "AmazonBedrock",
    "line_item_usage_type": "USE1-NovaPro-input-tokens",
    "line_item_operation": "InvokeModelInference",
    "line_item_usage_account_id": "444455556666",
    "line_item_usage_amount": 1.0,
    "line_item_currency_code": "USD",
    "pricing_unit": "1K tokens",
    "product_product_family": "Amazon Bedrock",
}

PROJECT = "arn:aws:bedrock-mantle:us-east-1:444455556666:project/"


def cur2_row(period: str = "2026-10", cost: float = 1.0, **fields: Any) -> dict[str, Any]:
    """One CUR 2.0 row; ``cost`` sets unblended and net unblended cost unless given."""
    row = dict(DEFAULTS)
    row["bill_billing_period_start_date"] = datetime.strptime(period + "-01", "%Y-%m-%d")
    row["line_item_unblended_cost"] = cost
    row["line_item_net_unblended_cost"] = cost
    row.update(fields)
    return row


def tagged(project: str, cost_center: str | None, cost: float, **fields: Any) -> dict[str, Any]:
    tags = {"user_cost_center": cost_center} if cost_center is not None else {}
    return cur2_row(
        cost=cost,
        line_item_resource_id=PROJECT + project,
        resource_tags=tags,
        **fields,
    )


def marketplace_units_line(
    code: str, usage: float, cost: float, description: str, model: str = "Claude Sonnet 4.6"
) -> dict[str, Any]:
    """An AWS Marketplace Bedrock line priced in "Units", sized only by its description."""
    return tagged(
        "proj_mp",
        "CC-MP",
        cost,
        bill_billing_entity="AWS Marketplace",
        line_item_product_code=code,
        line_item_usage_type="USE1-MP:USE1_InputTokenCount-Units",
        pricing_unit="Units",
        line_item_usage_amount=usage,
        line_item_line_item_description=description,
        product={"product_name": f"{model} (Amazon Bedrock Edition)"},
    )


def table(
    rows: Sequence[Mapping[str, Any]],
    types: Mapping[str, pa.DataType] = CUR2_TYPES,
    columns: Iterable[str] | None = None,
) -> pa.Table:
    """A table of ``rows`` with the columns named (default: every column any row has)."""
    names = (
        list(columns) if columns is not None else [c for c in types if any(c in r for r in rows)]
    )
    arrays = {}
    for name in names:
        values = [r.get(name) for r in rows]
        if types[name] == MAP:
            values = [list(v.items()) if v is not None else None for v in values]
        arrays[name] = pa.array(values, type=types[name])
    return pa.table(arrays)


def write(path: Path, rows: Sequence[Mapping[str, Any]], **kw: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table(rows, **kw), path)
    return path
