"""The sample month as a FOCUS 1.0 or 1.2 export (tables ``FOCUS_1_0_AWS``/``FOCUS_1_2_AWS``).

Converts the rows of a CUR 2.0 table (``cur2.bedrock_sample_rows`` or any CUR 2.0 Parquet)
into FOCUS columns, so a test can check that both exports of one month give the same
statements. Mapping (the reverse of ``chargeback.read.focus``):

- ``BilledCost`` = net unblended cost (after discounts), ``ListCost`` = unblended cost,
  ``EffectiveCost`` = ``BilledCost`` (no commitments in the sample);
- ``ChargeCategory`` from the line item type (usage kinds -> Usage, fees -> Purchase,
  Refund -> Adjustment, discounts -> Credit);
- ``Tags``: resource tags as written in ``resource_tags`` (``user_cost_center``) plus the
  ``tags`` map, ``resourceTags/`` prefix removed (``CostCenter``), other prefixes kept;
- 1.0 carries ``x_UsageType``, 1.2 ``SkuMeter`` and ``InvoiceId``.

Usage (through the generator's command line)::

    python -m sample_data.generator --out /tmp/cur2 --focus-out /tmp/focus --focus-version 1.2
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sample_data.generator.cur2 import bedrock_sample_rows

VERSIONS = ("1.0", "1.2")
_USAGE = {"Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation"}
_PURCHASE = {"Fee", "RIFee", "SavingsPlanUpfrontFee", "SavingsPlanRecurringFee"}
_STR = pa.string()
_MAP = pa.map_(pa.string(), pa.string())


def charge_category(line_item_type: str | None) -> str:
    lit = line_item_type or ""
    if lit in _USAGE:
        return "Usage"
    if lit in _PURCHASE:
        return "Purchase"
    if lit == "Refund":
        return "Adjustment"
    if lit == "Tax":
        return "Tax"
    if lit == "Credit" or lit.endswith("Discount"):
        return "Credit"
    return "Usage"


def _tags(row: dict[str, Any]) -> list[tuple[str, str]] | None:
    merged: dict[str, str] = {}
    for key, value in row.get("resource_tags") or []:
        merged[key] = value
    for key, value in row.get("tags") or []:
        merged[key.removeprefix("resourceTags/")] = value
    return list(merged.items()) if merged or row.get("resource_tags") is not None else None


def _product(row: dict[str, Any]) -> dict[str, str]:
    return dict(row.get("product") or [])


def to_focus_table(cur2: pa.Table, version: str = "1.2") -> pa.Table:
    """The rows of a CUR 2.0 table as a FOCUS ``version`` table."""
    if version not in VERSIONS:
        raise ValueError(f"FOCUS version {version!r}: choose one of {', '.join(VERSIONS)}")
    columns: dict[str, list[Any]] = {}
    types: dict[str, pa.DataType] = {}

    def put(name: str, value: Any, kind: pa.DataType) -> None:
        columns.setdefault(name, []).append(value)
        types[name] = kind

    period_type = cur2.schema.field("bill_billing_period_start_date").type
    for row in cur2.to_pylist():
        product = _product(row)
        unblended = row.get("line_item_unblended_cost")
        net = row.get("line_item_net_unblended_cost")
        billed = net if net is not None else unblended
        put("BillingPeriodStart", row["bill_billing_period_start_date"], period_type)
        put("ChargePeriodStart", row.get("line_item_usage_start_date"), period_type)
        put("BillingAccountId", row.get("bill_payer_account_id"), _STR)
        put("SubAccountId", row.get("line_item_usage_account_id"), _STR)
        put("InvoiceIssuerName", row.get("bill_billing_entity"), _STR)
        put("ChargeCategory", charge_category(row.get("line_item_line_item_type")), _STR)
        put("BilledCost", billed, pa.float64())
        put("EffectiveCost", billed, pa.float64())
        put("ListCost", unblended, pa.float64())
        put("BillingCurrency", row.get("line_item_currency_code"), _STR)
        put("ConsumedQuantity", row.get("line_item_usage_amount"), pa.float64())
        put("PricingUnit", row.get("pricing_unit"), _STR)
        put("ResourceId", row.get("line_item_resource_id"), _STR)
        family = row.get("product_product_family")
        put("ServiceName", family or product.get("product_name"), _STR)
        put("x_ServiceCode", row.get("line_item_product_code"), _STR)
        put("x_Operation", row.get("line_item_operation"), _STR)
        if version == "1.0":
            put("x_UsageType", row.get("line_item_usage_type"), _STR)
        else:
            put("SkuMeter", row.get("line_item_usage_type"), _STR)
            put("InvoiceId", row.get("bill_invoice_id"), _STR)
        put("Tags", _tags(row), _MAP)
    return pa.table({name: pa.array(values, types[name]) for name, values in columns.items()})


def write_focus_export(
    root: Path, period: str = "2026-10", seed: int = 7, version: str = "1.2"
) -> Path:
    """The sample month as one FOCUS Parquet file under ``root/data/BILLING_PERIOD=P/``."""
    table = to_focus_table(bedrock_sample_rows(period, seed), version)
    folder = Path(root) / "data" / f"BILLING_PERIOD={period}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bedrock-focus-{version.replace('.', '-')}-00001.snappy.parquet"
    pq.write_table(table, path, compression="snappy")
    return path
