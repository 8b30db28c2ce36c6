"""The CUR 2.0 column set (Data Exports table ``COST_AND_USAGE_REPORT``) with Parquet types:
the one list the sample generator, the benchmark's scale generator and the tests' builders
share.

From the AWS Data Exports table dictionary (bill, capacity reservation, cost category,
discount, identity, line item, pricing, product, reservation, resource tags, savings plan,
split line item, tags): dates are UTC timestamps, costs and amounts DOUBLE, rates and most
reservation/savings-plan descriptors strings, and five MAP columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

__all__ = [
    "CUR2_COLUMNS",
    "CUR2_TYPES",
    "DBL",
    "MAP_DBL",
    "MAP_STR",
    "STR",
    "TIMESTAMP",
    "athena_type",
    "cur2_schema",
]

#: Timestamps: AWS documents them as UTC instants; exports read in DuckDB as
#: TIMESTAMP WITH TIME ZONE, so they are written as UTC-adjusted milliseconds.
TIMESTAMP = pa.timestamp("ms", tz="UTC")
STR = pa.string()
DBL = pa.float64()
MAP_STR = pa.map_(pa.string(), pa.string())
MAP_DBL = pa.map_(pa.string(), pa.float64())

_STRING_COLS = """
bill_bill_type bill_billing_entity bill_invoice_id bill_invoicing_entity bill_payer_account_id
bill_payer_account_name capacity_reservation_capacity_reservation_arn
capacity_reservation_capacity_reservation_status capacity_reservation_capacity_reservation_type
identity_line_item_id identity_time_interval line_item_availability_zone line_item_blended_rate
line_item_currency_code line_item_iam_principal line_item_legal_entity
line_item_line_item_description line_item_line_item_type line_item_net_unblended_rate
line_item_operation line_item_product_code line_item_resource_id line_item_tax_type
line_item_unblended_rate line_item_usage_account_id line_item_usage_account_name
line_item_usage_type line_item_user_identifier pricing_currency pricing_lease_contract_length
pricing_offering_class pricing_public_on_demand_rate pricing_purchase_option pricing_rate_code
pricing_rate_id pricing_term pricing_unit product_comment product_fee_code
product_fee_description product_from_location product_from_location_type
product_from_region_code product_instance_family product_instance_type product_instancesku
product_location product_location_type product_operation product_pricing_unit
product_product_family product_region_code product_servicecode product_sku product_to_location
product_to_location_type product_to_region_code product_usagetype reservation_availability_zone
reservation_end_time reservation_modification_status reservation_normalized_units_per_reservation
reservation_number_of_reservations reservation_reservation_a_r_n reservation_start_time
reservation_subscription_id reservation_total_reserved_normalized_units
reservation_total_reserved_units reservation_units_per_reservation savings_plan_end_time
savings_plan_instance_type_family savings_plan_offering_type savings_plan_payment_option
savings_plan_purchase_term savings_plan_region savings_plan_savings_plan_a_r_n
savings_plan_start_time split_line_item_parent_resource_id
""".split()

_DOUBLE_COLS = """
discount_bundled_discount discount_total_discount line_item_blended_cost
line_item_net_unblended_cost line_item_normalization_factor line_item_normalized_usage_amount
line_item_unblended_cost line_item_usage_amount pricing_public_on_demand_cost
reservation_amortized_upfront_cost_for_usage reservation_amortized_upfront_fee_for_billing_period
reservation_effective_cost reservation_net_amortized_upfront_cost_for_usage
reservation_net_amortized_upfront_fee_for_billing_period reservation_net_effective_cost
reservation_net_recurring_fee_for_usage
reservation_net_unused_amortized_upfront_fee_for_billing_period
reservation_net_unused_recurring_fee reservation_net_upfront_value
reservation_recurring_fee_for_usage reservation_unused_amortized_upfront_fee_for_billing_period
reservation_unused_normalized_unit_quantity reservation_unused_quantity
reservation_unused_recurring_fee reservation_upfront_value
savings_plan_amortized_upfront_commitment_for_billing_period
savings_plan_net_amortized_upfront_commitment_for_billing_period
savings_plan_net_recurring_commitment_for_billing_period
savings_plan_net_savings_plan_effective_cost savings_plan_recurring_commitment_for_billing_period
savings_plan_savings_plan_effective_cost savings_plan_savings_plan_rate
savings_plan_total_commitment_to_date savings_plan_used_commitment split_line_item_actual_usage
split_line_item_net_split_cost split_line_item_net_unused_cost
split_line_item_public_on_demand_split_cost split_line_item_public_on_demand_unused_cost
split_line_item_reserved_usage split_line_item_split_cost split_line_item_split_usage
split_line_item_split_usage_ratio split_line_item_unused_cost
""".split()

_TIMESTAMP_COLS = """
bill_billing_period_end_date bill_billing_period_start_date line_item_usage_end_date
line_item_usage_start_date
""".split()

_MAP_COLS: dict[str, pa.DataType] = {
    "cost_category": MAP_STR,
    "discount": MAP_DBL,
    "product": MAP_STR,
    "resource_tags": MAP_STR,
    "tags": MAP_STR,
}


def _build_columns() -> tuple[tuple[str, pa.DataType], ...]:
    types: dict[str, pa.DataType] = {}
    types.update(dict.fromkeys(_STRING_COLS, STR))
    types.update(dict.fromkeys(_DOUBLE_COLS, DBL))
    types.update(dict.fromkeys(_TIMESTAMP_COLS, TIMESTAMP))
    types.update(_MAP_COLS)
    return tuple(sorted(types.items()))


#: The CUR 2.0 columns (COST_AND_USAGE_REPORT table), alphabetical, with their Parquet types.
CUR2_COLUMNS: tuple[tuple[str, pa.DataType], ...] = _build_columns()

#: The same columns as name -> type.
CUR2_TYPES: dict[str, pa.DataType] = dict(CUR2_COLUMNS)


def cur2_schema(columns: Sequence[str] | None = None) -> pa.Schema:
    """The Arrow schema of CUR 2.0, optionally restricted to (and ordered as) ``columns``."""
    types = dict(CUR2_COLUMNS)
    names = [n for n, _ in CUR2_COLUMNS] if columns is None else list(columns)
    return pa.schema([pa.field(n, types[n]) for n in names])


def athena_type(t: pa.DataType) -> str:
    """The Athena/Glue type name AWS uses for a column type in manifests and DDL."""
    if pa.types.is_string(t):
        return "string"
    if pa.types.is_floating(t):
        return "double"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_map(t):
        return f"map<{athena_type(t.key_type)},{athena_type(t.item_type)}>"
    raise ValueError(f"no Athena type for {t}")
