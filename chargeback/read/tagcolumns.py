"""The map columns (``resource_tags``, ``tags``, ``product``) as other tools write them.

Data Exports writes them as MAP<string, string>. A file rewritten by another tool (Spark,
Glue, pandas) may hold them as a map with integer values, a struct with one field per key,
or text holding a JSON object. Each file's shape is read where it can be read faithfully
(keys as written, values as their text; integers as their decimal digits) into the canonical
MAP(VARCHAR, VARCHAR); anything else (floats, booleans, nested values, keys that are not
text, lists...) is refused with the file and column named, never silently read as "no tags".

Expressions are built from the fixed column names above and the file's own field names,
through DuckDB's expression API; the JSON check's SQL text holds only the fixed column name.
"""

from __future__ import annotations

from enum import StrEnum

import duckdb
import pyarrow as pa

from chargeback.errors import InputError, message_text
from chargeback.read.files import FILE_COLUMN

MAP_TYPE = "MAP(VARCHAR, VARCHAR)"
MAP_COLUMNS: tuple[str, ...] = ("resource_tags", "tags", "product")


class MapShape(StrEnum):
    """How one file holds one map column."""

    MAP = "map"  # MAP<string, string>, as Data Exports writes it
    MAP_VALUES = "map_values"  # MAP<string, integer>: values as their decimal digits
    STRUCT = "struct"  # one text or integer field per key
    JSON = "json"  # text holding a JSON object of text or integer values
    NONE = "none"  # absent, or nulls only


def _text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _key(kind: pa.DataType) -> bool:
    """A key type read faithfully as text: text, or bytes (another tool's untyped strings)."""
    return _text(kind) or bool(pa.types.is_binary(kind) or pa.types.is_large_binary(kind))


def _value(kind: pa.DataType) -> bool:
    """A value type read faithfully as text: text, integers, or nulls only."""
    return _text(kind) or bool(pa.types.is_integer(kind) or pa.types.is_null(kind))


def map_shape(uri: str, column: str, kind: pa.DataType | None) -> MapShape:
    """The shape of ``column`` in the file ``uri``; a shape that cannot be read faithfully
    is an ``InputError`` naming the file, the column and its type."""
    if kind is None or pa.types.is_null(kind):
        return MapShape.NONE
    if pa.types.is_map(kind) and _key(kind.key_type) and _value(kind.item_type):
        exact = _text(kind.key_type) and _text(kind.item_type)
        return MapShape.MAP if exact else MapShape.MAP_VALUES  # the rest is cast to text
    if pa.types.is_struct(kind) and kind.num_fields:
        names = [kind.field(i).name for i in range(kind.num_fields)]
        if all(_value(kind.field(i).type) for i in range(kind.num_fields)) and len(
            {n.lower() for n in names}
        ) == len(names):
            return MapShape.STRUCT
    if _text(kind):
        return MapShape.JSON
    raise InputError(
        f"{uri}: column {column} is {type_name(kind)}, which cannot be read as tag keys and values "
        "(a map of text keys to text or whole-number values, a struct of such fields, or "
        "JSON text): export the file again from Data Exports, or rewrite the column as "
        "MAP<string, string>"
    )


def type_name(kind: pa.DataType, width: int = 120) -> str:
    """An Arrow type as a message shows it (``map<string, double>``): no Parquet field
    names, field names of a struct with control characters escaped, at most ``width``."""
    return message_text(_name(kind), width)


def _name(kind: pa.DataType) -> str:
    if pa.types.is_map(kind):
        return f"map<{_name(kind.key_type)}, {_name(kind.item_type)}>"
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return f"list<{_name(kind.value_type)}>"
    if pa.types.is_struct(kind):
        fields = (kind.field(i) for i in range(kind.num_fields))
        return "struct<" + ", ".join(f"{f.name}: {_name(f.type)}" for f in fields) + ">"
    return str(kind)


def map_expression(column: str, kind: pa.DataType | None, shape: MapShape) -> duckdb.Expression:
    """``column`` of one shape as MAP(VARCHAR, VARCHAR)."""
    target = duckdb.sqltype(MAP_TYPE)
    ref = duckdb.ColumnExpression(column)
    if shape is MapShape.MAP:
        return ref  # already the canonical type: no cast in the scan
    if shape is MapShape.MAP_VALUES:
        return ref.cast(target)
    if shape is MapShape.STRUCT:
        assert kind is not None
        names = [kind.field(i).name for i in range(kind.num_fields)]
        keys = [duckdb.ConstantExpression(n) for n in names]
        values = [
            duckdb.FunctionExpression("struct_extract", ref, duckdb.ConstantExpression(n)).cast(
                duckdb.sqltype("VARCHAR")
            )
            for n in names
        ]
        return duckdb.FunctionExpression(
            "map",
            duckdb.FunctionExpression("list_value", *keys),
            duckdb.FunctionExpression("list_value", *values),
        )
    if shape is MapShape.JSON:
        return duckdb.FunctionExpression(
            "json_transform",
            duckdb.FunctionExpression(
                "nullif", duckdb.FunctionExpression("trim", ref), duckdb.ConstantExpression("")
            ),
            duckdb.ConstantExpression(f'"{MAP_TYPE}"'),
        )
    return duckdb.ConstantExpression(None).cast(target)


#: A row whose JSON text is not an object of text, whole-number or null values (or repeats a
#: key). Only ever formatted with a name from MAP_COLUMNS.
_BAD_JSON = """
nullif(trim("{column}"), '') IS NOT NULL AND NOT CASE
    WHEN NOT json_valid("{column}") THEN false
    WHEN json_type("{column}") <> 'OBJECT' THEN false
    WHEN json_transform("{column}", '"MAP(VARCHAR, VARCHAR)"') IS NULL THEN false
    ELSE coalesce(list_bool_and(list_transform(
        map_values(json_transform("{column}", '"MAP(VARCHAR, JSON)"')),
        lambda v: coalesce(json_type(v), 'NULL') IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'NULL'))),
        true)
END
"""


def check_json(raw: duckdb.DuckDBPyRelation, column: str) -> None:
    """Every value of the JSON text ``column`` in ``raw`` (with ``FILE_COLUMN``) must be a JSON
    object of text or whole-number values; reads that column of those files once."""
    if column not in MAP_COLUMNS:
        raise ValueError(f"not a map column: {column}")
    bad = (
        raw.filter(duckdb.SQLExpression(_BAD_JSON.format(column=column)))
        .aggregate(f"{FILE_COLUMN}, count(*) AS n", FILE_COLUMN)
        .order(FILE_COLUMN)
        .limit(1)
        .fetchall()
    )
    if bad:
        uri, count = bad[0]
        raise InputError(
            f"{uri}: column {column} is text, and {count:,} of its values are not a JSON "
            "object of text or whole-number values: export the file again from Data Exports, "
            "or rewrite the column as MAP<string, string>"
        )
