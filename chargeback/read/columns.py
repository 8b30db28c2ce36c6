"""Each file's column types, checked against how the canonical view reads them, before a scan.

The view casts the billing period to TIMESTAMP and usage amounts to DOUBLE, and looks tags
and product fields up by text key. A file whose column cannot take that (a date written as a
number, a map keyed by integers) would stop DuckDB halfway through the scan with its own
message; here it is an error naming the file, the column and the fix, from the footer alone.
Dates written as text are the one case a footer cannot settle: ``text_date_error`` looks at
the values of those files only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import duckdb
import pyarrow as pa

from chargeback.errors import InputError, first_line, is_interrupt
from chargeback.read.files import FILE_COLUMN, InputFile
from chargeback.settings.textfile import shown

#: Billing-period columns (CUR, FOCUS): read as TIMESTAMP.
DATE_COLUMNS: tuple[str, ...] = ("bill_billing_period_start_date", "BillingPeriodStart")
#: Usage amounts (CUR, FOCUS): read as DOUBLE.
QUANTITY_COLUMNS: tuple[str, ...] = (
    "line_item_usage_amount",
    "ConsumedQuantity",
    "PricingQuantity",
)
#: CUR 2.0 maps the queries read by key (a tag key, a product field).
KEYED_MAPS: tuple[str, ...] = ("resource_tags", "tags", "product")


def as_sql_type(
    column: str, arrow_type: pa.DataType | None, sql_type: str, text: bool = False
) -> duckdb.Expression:
    """Column ``column`` (of ``arrow_type`` in the files; ``text``: some files of the same
    read hold it as text) as ``sql_type``. A timestamp with a time zone (how CUR 2.0 writes
    its dates: DuckDB's TIMESTAMPTZ) becomes TIMESTAMP from its instant, which is what the
    cast gives in the engine's UTC session, without the cast's time-zone arithmetic per row:
    that cast cost ~0.3 s a scan per 10M rows, and every scan compares the billing period
    (benchmarks/RESULTS.md)."""
    value = duckdb.ColumnExpression(column)
    zoned = isinstance(arrow_type, pa.TimestampType) and arrow_type.tz is not None
    if sql_type == "TIMESTAMP" and zoned and not text:
        return duckdb.FunctionExpression(
            "make_timestamp", duckdb.FunctionExpression("epoch_us", value)
        )
    return value.cast(duckdb.sqltype(sql_type))


def check_columns(files: Sequence[InputFile], focus: bool) -> dict[str, tuple[str, ...]]:
    """Refuse a file whose columns the view cannot read; return, per date column, the files
    that hold it as text (their values are checked once DuckDB can read them)."""
    text_dates: dict[str, list[str]] = {}
    for f in files:
        if FILE_COLUMN in f.columns:
            raise InputError(
                f"{f.uri} has a column named {FILE_COLUMN}, the name the tool gives the "
                "column of file names it adds: rename or remove that column"
            )
        for column in DATE_COLUMNS:
            kind = f.columns.get(column)
            if kind is None or _is_date(kind):
                continue
            if _is_string(kind):
                text_dates.setdefault(column, []).append(f.uri)
                continue
            raise InputError(
                f"{f.uri}: column {column} is {kind}, not a timestamp: billing periods in "
                "cost exports are TIMESTAMP; was the file rewritten by another tool?"
            )
        for column in QUANTITY_COLUMNS:
            kind = f.columns.get(column)
            if kind is not None and not _is_number(kind):
                raise InputError(
                    f"{f.uri}: column {column} is {kind}, not a number: usage amounts in "
                    "cost exports are DOUBLE; was the file rewritten by another tool?"
                )
        if focus:
            continue  # FOCUS's Tags map is cast to text keys whole, never looked up raw
        for column in KEYED_MAPS:
            kind = f.columns.get(column)
            if isinstance(kind, pa.MapType) and not _is_text(kind.key_type):
                raise InputError(
                    f"{f.uri}: column {column} is map<{kind.key_type}, {kind.item_type}>: its "
                    "keys must be text (tag keys, product fields) to be looked up; was the file "
                    "rewritten by another tool?"
                )
    return {column: tuple(uris) for column, uris in text_dates.items()}


def text_date_error(
    raw: duckdb.DuckDBPyRelation, text_dates: Mapping[str, Iterable[str]]
) -> InputError | None:
    """The first text date of ``raw`` (the export's columns plus ``FILE_COLUMN``) that is
    not a date and time, as an error naming its file; None when every one reads."""
    for column, uris in text_dates.items():
        value = duckdb.ColumnExpression(column)
        in_files = duckdb.ColumnExpression(FILE_COLUMN).isin(
            *(duckdb.ConstantExpression(u) for u in uris)
        )
        unreadable = (
            in_files & value.isnotnull() & value.try_cast(duckdb.sqltype("TIMESTAMP")).isnull()
        )
        try:
            found = (
                raw.filter(unreadable)
                .select(
                    duckdb.ColumnExpression(FILE_COLUMN),
                    value.cast(duckdb.sqltype("VARCHAR")),
                )
                .limit(1)
                .fetchall()
            )
        except (duckdb.InterruptException, RuntimeError) as e:
            if is_interrupt(e):
                raise KeyboardInterrupt from e
            raise
        except duckdb.Error as e:
            return InputError(f"cannot read column {column} of {', '.join(uris)}: {first_line(e)}")
        if found:
            uri, text = found[0]
            return InputError(
                f"{uri}: column {column} holds {shown(text)}, which is not a date and time: write "
                "billing periods as TIMESTAMP (or text such as 2026-10-01T00:00:00Z); was the "
                "file rewritten by another tool?"
            )
    return None


def _is_date(kind: pa.DataType) -> bool:
    return bool(pa.types.is_timestamp(kind) or pa.types.is_date(kind) or pa.types.is_null(kind))


def _is_string(kind: pa.DataType) -> bool:
    kinds = (pa.types.is_string, pa.types.is_large_string, pa.types.is_string_view)
    return any(bool(is_kind(kind)) for is_kind in kinds)


def _is_text(kind: pa.DataType) -> bool:
    """Text a map can be looked up by (DuckDB compares binary keys as bytes, too)."""
    return _is_string(kind) or bool(pa.types.is_binary(kind) or pa.types.is_large_binary(kind))


def _is_number(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_floating(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_null(kind)
    )
