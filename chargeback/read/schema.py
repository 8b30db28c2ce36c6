"""Detecting the export's schema and presenting it to the SQL as one canonical view.

Every query in ``queries/`` reads the view ``cur`` whose columns are listed in
``CANONICAL``, whatever the export: CUR 2.0 keeps its MAP columns (``resource_tags``,
``tags``, ``product``); legacy CUR's one-column-per-tag and flattened product columns are
folded into maps with the same keys. The view is built with DuckDB's expression API from
column names, never by pasting names into SQL text.

Each file is read as what it is: files are grouped by their kind (CUR 2.0 or legacy) and the
shape of their map columns (``read.tagcolumns``: a map, a struct, JSON text...), each group
is read on its own (columns unioned by name within it) and made canonical, and the groups
are unioned. So a legacy file beside CUR 2.0 files keeps its tag columns, and a file whose
tags another tool wrote as JSON text does not turn the other files' maps into text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import reduce

import duckdb
import pyarrow as pa

from chargeback.errors import InputError, first_line
from chargeback.read.columns import as_sql_type, check_columns, text_date_error
from chargeback.read.files import FILE_COLUMN, InputFile, Source
from chargeback.read.focus import check_focus, focus_relation, is_focus
from chargeback.read.tagcolumns import (
    MAP_COLUMNS,
    MAP_TYPE,
    MapShape,
    check_json,
    map_expression,
    map_shape,
)
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
    ("line_item_description", "line_item_line_item_description", "VARCHAR"),
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

LEGACY = SchemaKind.LEGACY
#: Columns only legacy CUR has: its one column per tag, its flattened product.
LEGACY_MARKERS: tuple[str, ...] = ("resource_tags_", "product_product_name")


@dataclass(frozen=True)
class FileGroup:
    """Files read together: the same kind, and the same shape of each map column."""

    kind: SchemaKind
    uris: tuple[str, ...]
    columns: Mapping[str, pa.DataType]  # the union of the group's columns
    tag_columns: Mapping[str, str]  # legacy only: resource_tags map key -> column name
    shapes: Mapping[str, MapShape]  # CUR 2.0 only: map column -> its shape in these files


@dataclass(frozen=True)
class ExportSchema:
    """What the files of one run have in common, and how to read them."""

    kind: SchemaKind
    columns: Mapping[str, pa.DataType]
    tag_columns: Mapping[str, str]  # legacy only: resource_tags map key -> column name
    #: Date columns some files hold as text -> those files (read/columns.py).
    text_dates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: The files by kind and map-column shape; empty means one group of every file.
    groups: tuple[FileGroup, ...] = field(default=())

    @property
    def has_net_unblended(self) -> bool:
        return self.kind is SchemaKind.FOCUS or "line_item_net_unblended_cost" in self.columns

    @property
    def legacy_tag_columns(self) -> tuple[str, ...]:
        """Every tag column of the export's legacy CUR files (``resource_tags_*``)."""
        return tuple(
            sorted(
                {
                    c
                    for g in self.groups
                    if g.kind is SchemaKind.LEGACY
                    for c in g.columns
                    if c.startswith("resource_tags_")
                }
            )
        )

    def group(self) -> FileGroup:
        """The one group of an export whose files all read alike."""
        if len(self.groups) != 1:
            raise ValueError(f"{len(self.groups)} groups of files: use canonical_view")
        return self.groups[0]


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
        return ExportSchema(SchemaKind.FOCUS, focus_union, {}, text_dates=text_dates)
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
    union = _union(files)
    shapes = {f.uri: {c: map_shape(f.uri, c, f.columns.get(c)) for c in MAP_COLUMNS} for f in files}
    file_kinds = {f.uri: _kind(f, shapes[f.uri]) for f in files}
    some_legacy = any(k is SchemaKind.LEGACY for k in file_kinds.values())
    by_signature: dict[tuple[str, ...], tuple[SchemaKind, list[InputFile]]] = {}
    for f in files:
        found = file_kinds[f.uri]
        read_as = found if found is not None else LEGACY if some_legacy else SchemaKind.CUR2
        signature: tuple[str, ...] = (read_as.value,)
        if read_as is SchemaKind.CUR2:  # each map column's exact type, where it is present
            signature += tuple(
                f"{c}: {f.columns[c]}" for c in MAP_COLUMNS if shapes[f.uri][c] is not MapShape.NONE
            )
        by_signature.setdefault(signature, (read_as, []))[1].append(f)
    keys = list(tag_keys)
    groups = tuple(_group(kind, members, shapes, keys) for kind, members in by_signature.values())
    kind = SchemaKind.CUR2 if any(g.kind is SchemaKind.CUR2 for g in groups) else SchemaKind.LEGACY
    legacy = {k: v for g in groups for k, v in g.tag_columns.items()}
    return ExportSchema(kind, union, legacy, text_dates=text_dates, groups=groups)


def _union(files: Sequence[InputFile]) -> dict[str, pa.DataType]:
    union: dict[str, pa.DataType] = {}
    for f in files:
        for name, kind in f.columns.items():
            union.setdefault(name, kind)
    return union


def _kind(f: InputFile, shapes: Mapping[str, MapShape]) -> SchemaKind | None:
    """CUR 2.0 when the file has a map column, legacy when it has legacy CUR's tag or product
    columns, else None (either: it reads as the export's other files do)."""
    if any(s is not MapShape.NONE for s in shapes.values()):
        return SchemaKind.CUR2
    if any(c.startswith(LEGACY_MARKERS) for c in f.columns):
        return SchemaKind.LEGACY
    return None


def _group(
    kind: SchemaKind,
    members: Sequence[InputFile],
    shapes: Mapping[str, Mapping[str, MapShape]],
    tag_keys: Iterable[str],
) -> FileGroup:
    columns = _union(members)
    uris = tuple(f.uri for f in members)
    if kind is SchemaKind.CUR2:
        return FileGroup(kind, uris, columns, {}, dict(shapes[members[0].uri]))
    by_lower = {name.lower(): name for name in columns}
    tag_columns: dict[str, str] = {}
    for key in tag_keys:
        lookup = tag_lookup(key)
        for map_key, column in zip(lookup.resource_tag_keys, lookup.legacy_columns, strict=True):
            if column.lower() in by_lower:
                tag_columns.setdefault(map_key, by_lower[column.lower()])
    return FileGroup(kind, uris, columns, tag_columns, {})


def canonical_view(
    con: duckdb.DuckDBPyConnection, source: Source, schema: ExportSchema
) -> duckdb.DuckDBPyRelation:
    """Every file of ``source`` as the canonical view's columns: each group of files read on
    its own and made canonical, the groups unioned."""
    if schema.kind is SchemaKind.FOCUS or len(schema.groups) <= 1:
        return canonical_relation(source.relation(con), schema)
    parts = [
        canonical_relation(source.relation(con, group.uris), schema, group)
        for group in schema.groups
    ]
    return reduce(lambda a, b: a.union(b), parts)


def _check_json(raw: duckdb.DuckDBPyRelation, group: FileGroup) -> None:
    """JSON tag text must hold JSON objects of tag values (reads those columns once)."""
    for column, shape in group.shapes.items():
        if shape is MapShape.JSON:
            try:
                check_json(raw, column)
            except duckdb.Error as e:
                raise InputError(
                    f"cannot read column {column} of {group.uris[0]}: {first_line(e)}"
                ) from e


def canonical_relation(
    raw: duckdb.DuckDBPyRelation, schema: ExportSchema, group: FileGroup | None = None
) -> duckdb.DuckDBPyRelation:
    """``raw`` (the columns of ``group``'s files plus ``FILE_COLUMN``; by default the one group
    of an export whose files all read alike) as the canonical view's columns. Dates some files
    hold as text are read first, to name a value that is not a date."""
    members = None if group is None else set(group.uris)
    text_dates = {
        column: [u for u in uris if members is None or u in members]
        for column, uris in schema.text_dates.items()
    }
    error = text_date_error(raw, {c: uris for c, uris in text_dates.items() if uris})
    if error is not None:
        raise error
    texts = {column for column, uris in text_dates.items() if uris}
    if schema.kind is SchemaKind.FOCUS:
        return focus_relation(raw, schema.columns, CANONICAL, texts)
    group = group or schema.group()
    _check_json(raw, group)
    columns = group.columns
    exprs: list[duckdb.Expression] = [duckdb.ColumnExpression(FILE_COLUMN).alias("source_file")]
    for name, column, sql_type in CANONICAL:
        exprs.append(_column_or_null(columns, column, sql_type, column in texts).alias(name))
    if group.kind is SchemaKind.CUR2:
        for name in MAP_COLUMNS:
            shape = group.shapes.get(name, MapShape.NONE)
            exprs.append(map_expression(name, columns.get(name), shape).alias(name))
    else:
        exprs.append(_map_of(group.tag_columns).alias("resource_tags"))
        exprs.append(_null(MAP_TYPE).alias("tags"))
        product = {k: f"product_{k}" for k in PRODUCT_KEYS if f"product_{k}" in columns}
        exprs.append(_map_of(product).alias("product"))
    return raw.select(*exprs)


def _column_or_null(
    columns: Mapping[str, pa.DataType], column: str, sql_type: str, text: bool
) -> duckdb.Expression:
    if column not in columns:
        return _null(sql_type)
    return as_sql_type(column, columns[column], sql_type, text)


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
