"""FOCUS exports (Data Exports ``FOCUS_1_0_AWS``, ``FOCUS_1_2_AWS``) as the canonical view.

A FOCUS file is recognized by ``BilledCost`` and ``ChargeCategory``. Its columns map onto the
canonical ``cur`` view so the same queries run and give the same statements:

- cost: ``BilledCost`` (invoiced, after discounts: the net unblended cost of CUR 2.0), used
  for both cost measures, since FOCUS has no undiscounted billed cost;
- line item type from ``ChargeCategory``: Usage, Tax, Credit, Purchase -> Fee,
  Adjustment -> Refund;
- usage type from ``x_UsageType`` (1.0) or ``SkuMeter`` (1.2); product code and service code
  from ``x_ServiceCode``; product family and product name from ``ServiceName``;
- ``Tags`` as ``resource_tags`` (``user_cost_center`` form) and as the ``tags`` map, where
  keys without a ``prefix/`` become ``resourceTags/KEY`` (``CostCenter``, ``user:CostCenter``).

Expressions are built from fixed column names; no user value becomes SQL text.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import duckdb
import pyarrow as pa

from chargeback.errors import InputError
from chargeback.read.columns import as_sql_type
from chargeback.read.files import FILE_COLUMN

#: Columns whose presence makes a file FOCUS.
MARKERS: tuple[str, ...] = ("BilledCost", "ChargeCategory")
REQUIRED: tuple[str, ...] = (
    "BillingPeriodStart",
    "ChargeCategory",
    "BilledCost",
    "BillingCurrency",
)

#: canonical name -> (FOCUS columns, first present wins; DuckDB type).
COLUMNS: dict[str, tuple[tuple[str, ...], str]] = {
    "billing_period_start": (("BillingPeriodStart",), "TIMESTAMP"),
    "billing_entity": (("InvoiceIssuerName", "x_BillingEntity"), "VARCHAR"),
    "invoice_id": (("InvoiceId", "x_InvoiceId"), "VARCHAR"),
    "payer_account_id": (("BillingAccountId",), "VARCHAR"),
    "line_item_id": (("x_LineItemId",), "VARCHAR"),
    "time_interval": (("x_TimeInterval",), "VARCHAR"),
    "product_code": (("x_ServiceCode",), "VARCHAR"),
    "usage_type": (("x_UsageType", "SkuMeter"), "VARCHAR"),
    "operation": (("x_Operation",), "VARCHAR"),
    "resource_id": (("ResourceId",), "VARCHAR"),
    "usage_account_id": (("SubAccountId",), "VARCHAR"),
    "usage_amount": (("ConsumedQuantity", "PricingQuantity"), "DOUBLE"),
    "unblended_cost": (("BilledCost",), "DOUBLE"),
    "net_unblended_cost": (("BilledCost",), "DOUBLE"),
    "currency": (("BillingCurrency",), "VARCHAR"),
    "pricing_unit": (("PricingUnit",), "VARCHAR"),
    "iam_principal": (("x_IamPrincipal",), "VARCHAR"),
    "product_family": (("ServiceName",), "VARCHAR"),
    "product_servicecode": (("x_ServiceCode",), "VARCHAR"),
    "line_item_description": (("ChargeDescription",), "VARCHAR"),
}

#: FOCUS ChargeCategory -> CUR line item type.
CHARGE_CATEGORY: dict[str, str] = {
    "Usage": "Usage",
    "Tax": "Tax",
    "Credit": "Credit",
    "Purchase": "Fee",
    "Adjustment": "Refund",
}

_TAGS_AS_CUR2 = """
CASE WHEN "Tags" IS NULL THEN NULL ELSE map_from_entries(list_transform(map_entries("Tags"),
    lambda e: {'key': CASE WHEN contains(e.key, '/') THEN e.key ELSE 'resourceTags/' || e.key END,
               'value': e.value}))
END
"""


def is_focus(files_columns: Sequence[Mapping[str, pa.DataType]]) -> bool:
    return any(all(m in cols for m in MARKERS) for cols in files_columns)


def check_focus(uri: str, columns: Mapping[str, pa.DataType]) -> None:
    """A FOCUS file must have the columns a chargeback needs, costs as numbers."""
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(
            f"{uri} has no column {missing[0]}: every FOCUS 1.0/1.2 export has it; is this a "
            "complete FOCUS_1_2_AWS export file?"
        )
    cost = columns["BilledCost"]
    if not (pa.types.is_floating(cost) or pa.types.is_decimal(cost) or pa.types.is_integer(cost)):
        raise InputError(
            f"{uri}: column BilledCost is {cost}, not a number: FOCUS costs are DOUBLE"
        )
    tags = columns.get("Tags")
    if tags is not None and not pa.types.is_map(tags):
        raise InputError(
            f"{uri}: column Tags is {tags}, not a map: export FOCUS as Parquet from Data Exports"
        )


def focus_relation(
    raw: duckdb.DuckDBPyRelation,
    columns: Mapping[str, pa.DataType],
    canonical: Sequence[tuple[str, str, str]],
    texts: Collection[str] = (),
) -> duckdb.DuckDBPyRelation:
    """``raw`` (FOCUS columns plus ``FILE_COLUMN``) as the canonical view, column for column;
    ``texts``: the date columns some of its files hold as text."""
    exprs: list[duckdb.Expression] = [duckdb.ColumnExpression(FILE_COLUMN).alias("source_file")]
    for name, _cur_column, sql_type in canonical:
        if name == "line_item_type":
            exprs.append(_line_item_type().alias(name))
            continue
        candidates, focus_type = COLUMNS.get(name, ((), sql_type))
        present = [c for c in candidates if c in columns]
        if present:
            expr = duckdb.CoalesceOperator(
                *(as_sql_type(c, columns[c], focus_type, c in texts) for c in present)
            )
        else:
            expr = duckdb.ConstantExpression(None).cast(duckdb.sqltype(sql_type))
        exprs.append(expr.cast(duckdb.sqltype(sql_type)).alias(name))
    map_type = duckdb.sqltype("MAP(VARCHAR, VARCHAR)")
    if "Tags" in columns:
        exprs.append(duckdb.ColumnExpression("Tags").cast(map_type).alias("resource_tags"))
        exprs.append(duckdb.SQLExpression(_TAGS_AS_CUR2).cast(map_type).alias("tags"))
    else:
        exprs.append(duckdb.ConstantExpression(None).cast(map_type).alias("resource_tags"))
        exprs.append(duckdb.ConstantExpression(None).cast(map_type).alias("tags"))
    if "ServiceName" in columns:
        product = duckdb.FunctionExpression(
            "map",
            duckdb.FunctionExpression("list_value", duckdb.ConstantExpression("product_name")),
            duckdb.FunctionExpression(
                "list_value", duckdb.ColumnExpression("ServiceName").cast(duckdb.sqltype("VARCHAR"))
            ),
        )
        exprs.append(product.alias("product"))
    else:
        exprs.append(duckdb.ConstantExpression(None).cast(map_type).alias("product"))
    return raw.select(*exprs)


def _line_item_type() -> duckdb.Expression:
    category = duckdb.ColumnExpression("ChargeCategory").cast(duckdb.sqltype("VARCHAR"))
    (first, first_type), *rest = CHARGE_CATEGORY.items()
    expr = duckdb.CaseExpression(
        category == duckdb.ConstantExpression(first), duckdb.ConstantExpression(first_type)
    )
    for focus, cur in rest:
        expr = expr.when(
            category == duckdb.ConstantExpression(focus), duckdb.ConstantExpression(cur)
        )
    return expr.otherwise(category)
