"""Detecting the export's schema and presenting it to the SQL as one canonical view.

Every query in ``queries/`` reads the view ``cur`` whose columns are listed in
``CANONICAL``, whatever the export: CUR 2.0 keeps its MAP columns (``resource_tags``,
``tags``, ``product``); legacy CUR's one-column-per-tag and flattened product columns are
folded into maps with the same keys. The view is built with DuckDB's expression API from
column names, never by pasting names into SQL text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import duckdb
import pyarrow as pa

from chargeback.errors import InputError
from chargeback.read.columns import check_columns, text_date_error
from chargeback.read.files import FILE_COLUMN, InputFile
from chargeback.read.focus import check_focus, focus_relation, is_focus
from chargeback.read.tagkeys import tag_lookup


class SchemaKind(StrEnum):
    CUR2 = "cur2"
    LEGACY = "legacy_cur"
    FOCUS = "focus"


#: (canonical name, export column, DuckDB type). Missing optional columns read as NULL.
CANONICAL: tuple[tuple[str, str, str], ...] = (
    ("billing_period_start", "bill_billing_period_start_date", "TIMESTAMP"),
    ("billing_entity", "bill_billing_entity", "VARCHAR"),
    ("invoice_id", "bill_invoice_id", "VARCHAR"),
    ("payer_account_id", "bill_payer_account_id", "VARCHAR"),
    ("line_item_id", "identity_line_item_id", "VARCHAR"),
    ("time_interval", "identity_time_interval", "VARCHAR"),
    ("line_item_type", "line_item_line_item_type", "VARCHAR"),
    ("product_code", "line_item_product_code", "VARCHAR"),
    ("usage_type", "line_item_usage_type", "VARCHAR"),
    ("operation", "line_item_operation", "VARCHAR"),
    ("resource_id", "line_item_resource_id", "VARCHAR"),
    ("usage_account_id", "line_item_usage_account_id", "VARCHAR"),
    ("usage_amount", "line_item_usage_amount", "DOUBLE"),
    ("unblended_cost", "line_item_unblended_cost", "DOUBLE"),
    ("net_unblended_cost", "line_item_net_unblended_cost", "DOUBLE"),
    ("currency", "line_item_currency_code", "VARCHAR"),
    ("pricing_unit", "pricing_unit", "VARCHAR"),
    ("iam_principal", "line_item_iam_principal", "VARCHAR"),
    ("product_family", "product_product_family", "VARCHAR"),
    ("product_servicecode", "product_servicecode", "VARCHAR"),
)

#: Columns every CUR export has; a file without one of them is not a usable export.
REQUIRED: tuple[str, ...] = (
    "bill_billing_period_start_date",
    "line_item_line_item_type",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_unblended_cost",
    "line_item_currency_code",
)

MONEY_COLUMNS: tuple[str, ...] = ("line_item_unblended_cost", "line_item_net_unblended_cost")

#: Keys of the ``product`` map the pipeline reads; legacy CUR has them as ``product_<key>``.
PRODUCT_KEYS: tuple[str, ...] = (
    "product_name",
    "provider",
    "model",
    "inference_type",
    "feature",
    "region",
    "servicename",
    "product_family",
)

MAP_TYPE = "MAP(VARCHAR, VARCHAR)"
MAP_COLUMNS: tuple[str, ...] = ("resource_tags", "tags", "product")


@dataclass(frozen=True)
class ExportSchema:
    """What the files of one run have in common, and how to read them."""

    kind: SchemaKind
    columns: Mapping[str, pa.DataType]
    tag_columns: Mapping[str, str]  # legacy only: resource_tags map key -> column name
    #: Date columns some files hold as text -> those files (read/columns.py).
    text_dates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def has_net_unblended(self) -> bool:
        return self.kind is SchemaKind.FOCUS or "line_item_net_unblended_cost" in self.columns


def detect_schema(files: Sequence[InputFile], tag_keys: Iterable[str]) -> ExportSchema:
    """Check every file and decide, without flags, which kind of export this is."""
    focus = is_focus([f.columns for f in files])
    text_dates = check_columns(files, focus)
    if focus:
        kinds = {f.uri: is_focus([f.columns]) for f in files}
        if not all(kinds.values()):
            focus_file = next(u for u, k in kinds.items() if k)
            other = next(u for u, k in kinds.items() if not k)
            raise InputError(
                f"SOURCE mixes a FOCUS export ({focus_file}) with another kind of file ({other}): "
                "point SOURCE at the folder of one export"
            )
        focus_union: dict[str, pa.DataType] = {}
        for f in files:
            check_focus(f.uri, f.columns)
            for name, kind in f.columns.items():
                focus_union.setdefault(name, kind)
        return ExportSchema(SchemaKind.FOCUS, focus_union, {}, text_dates)
    for f in files:
        missing = [c for c in REQUIRED if c not in f.columns]
        if missing:
            raise InputError(
                f"{f.uri} has no column {missing[0]}: every CUR 2.0 or legacy CUR export "
                "has it; is this file from a cost and usage export?"
            )
        for col in MONEY_COLUMNS:
            kind = f.columns.get(col)
            if kind is not None and not (
                pa.types.is_floating(kind)
                or pa.types.is_decimal(kind)
                or pa.types.is_integer(kind)
                or pa.types.is_null(kind)
            ):
                raise InputError(
                    f"{f.uri}: column {col} is {kind}, not a number: costs in CUR are DOUBLE; "
                    "was the file rewritten by another tool?"
                )
    union: dict[str, pa.DataType] = {}
    for f in files:
        for name, kind in f.columns.items():
            union.setdefault(name, kind)
    is_cur2 = any(pa.types.is_map(union[c]) for c in MAP_COLUMNS if c in union)
    is_legacy = any(c.startswith(("resource_tags_", "product_product_name")) for c in union)
    if is_cur2 or not is_legacy:
        return ExportSchema(SchemaKind.CUR2, union, {}, text_dates)
    by_lower = {name.lower(): name for name in union}
    tag_columns: dict[str, str] = {}
    for key in tag_keys:
        lookup = tag_lookup(key)
        for map_key, column in zip(lookup.resource_tag_keys, lookup.legacy_columns, strict=True):
            if column.lower() in by_lower:
                tag_columns.setdefault(map_key, by_lower[column.lower()])
    return ExportSchema(SchemaKind.LEGACY, union, tag_columns, text_dates)


def canonical_relation(
    raw: duckdb.DuckDBPyRelation, schema: ExportSchema
) -> duckdb.DuckDBPyRelation:
    """``raw`` (the export's columns plus ``FILE_COLUMN``) as the canonical view's columns.
    Dates some files hold as text are read first, to name a value that is not a date."""
    error = text_date_error(raw, schema.text_dates)
    if error is not None:
        raise error
    if schema.kind is SchemaKind.FOCUS:
        return focus_relation(raw, schema.columns, CANONICAL)
    exprs: list[duckdb.Expression] = [duckdb.ColumnExpression(FILE_COLUMN).alias("source_file")]
    for name, column, sql_type in CANONICAL:
        exprs.append(_column_or_null(schema.columns, column, sql_type).alias(name))
    if schema.kind is SchemaKind.CUR2:
        for name in MAP_COLUMNS:
            kind = schema.columns.get(name)
            if kind is not None and pa.types.is_map(kind):
                exprs.append(duckdb.ColumnExpression(name).alias(name))
            else:
                exprs.append(_null(MAP_TYPE).alias(name))
    else:
        exprs.append(_map_of(schema.tag_columns).alias("resource_tags"))
        exprs.append(_null(MAP_TYPE).alias("tags"))
        product = {k: f"product_{k}" for k in PRODUCT_KEYS if f"product_{k}" in schema.columns}
        exprs.append(_map_of(product).alias("product"))
    return raw.select(*exprs)


def _column_or_null(
    columns: Mapping[str, pa.DataType], column: str, sql_type: str
) -> duckdb.Expression:
    if column not in columns:
        return _null(sql_type)
    return duckdb.ColumnExpression(column).cast(duckdb.sqltype(sql_type))


def _null(sql_type: str) -> duckdb.Expression:
    return duckdb.ConstantExpression(None).cast(duckdb.sqltype(sql_type))


def _map_of(key_to_column: Mapping[str, str]) -> duckdb.Expression:
    """A MAP built from columns: ``{key: column, ...}``; NULL when there are none."""
    if not key_to_column:
        return _null(MAP_TYPE)
    keys = [duckdb.ConstantExpression(k) for k in key_to_column]
    values = [
        duckdb.ColumnExpression(c).cast(duckdb.sqltype("VARCHAR")) for c in key_to_column.values()
    ]
    return duckdb.FunctionExpression(
        "map",
        duckdb.FunctionExpression("list_value", *keys),
        duckdb.FunctionExpression("list_value", *values),
    )
