"""Reading the CSV tables a config names: cost-center master, aliases, mapping tables.

Every problem is a ``ConfigError`` naming the file, the line and the value, and what to do.
Values stay data: they reach DuckDB as table rows, never as SQL text.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from chargeback.errors import ConfigError
from chargeback.settings.rules import CostCenter, code_key
from chargeback.settings.textfile import TABLE_LIMIT, read_text, shown

_ACCOUNT = re.compile(r"^\d{12}$")
_TRUE = {"", "true", "yes", "y", "1", "active"}
_FALSE = {"false", "no", "n", "0", "inactive"}
#: Separators a spreadsheet may write instead of commas (by locale or by choice).
_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}
_CURRENCY = re.compile(r"^[A-Z]{3}$")

#: Accepted names of each mapping table's key column.
MAP_KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "resource_map": ("resource", "project_id", "resource_arn", "resource_id"),
    "principal_map": ("principal", "principal_arn", "iam_principal"),
    "account_map": ("account_id", "usage_account_id", "account"),
}


def _rows(path: Path, required: Sequence[str], what: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV with a header naming at least ``required``. Messages
    name the file and never quote its header: a path to the wrong file (a credentials file)
    must not put that file on a terminal or in a log."""
    text = read_text(path, what, TABLE_LIMIT)
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        first = text.splitlines()[0] if text.strip() else ""
        separator = next((s for s in _SEPARATORS if s in first and "," not in first), None)
        if separator is not None:
            raise ConfigError(
                f"{what} {path} is not comma-separated: its first line has "
                f"{_SEPARATORS[separator]} where a CSV has commas; save it as CSV with commas"
            )
        raise ConfigError(
            f"{what} {path}: no column {missing[0]!r} in the header; the first line must name "
            f"the columns {', '.join(required)}"
        )
    for n, raw in enumerate(reader, start=2):
        row = {
            (k or "").strip().lower(): (v or "").strip()
            for k, v in raw.items()
            if isinstance(v, str) or v is None
        }
        if not any(row.values()):
            continue
        yield n, row


def load_master(path: Path) -> tuple[CostCenter, ...]:
    """The cost-center master list: ``code,name,owner,gl_account,active[,budget,
    budget_currency]``."""
    seen: dict[str, int] = {}
    result = []
    for n, row in _rows(path, ("code",), "cost-center master list"):
        code = row["code"]
        if not code:
            raise ConfigError(f"{path} line {n}: empty code; give each cost center its code")
        key = code_key(code)
        if key in seen:
            raise ConfigError(
                f"{path} line {n}: code {shown(code)} is already on line {seen[key]} "
                "(codes match without regard to case and spaces); keep one"
            )
        seen[key] = n
        active_text = row.get("active", "").lower()
        if active_text not in _TRUE | _FALSE:
            raise ConfigError(
                f"{path} line {n}: active {shown(row.get('active'))} for {shown(code)} is not "
                "true/false; write true or false"
            )
        budget, currency = _budget(path, n, code, row)
        result.append(
            CostCenter(
                code=code,
                name=row.get("name", ""),
                owner=row.get("owner", ""),
                gl_account=row.get("gl_account", ""),
                active=active_text in _TRUE,
                budget=budget,
                budget_currency=currency,
            )
        )
    if not result:
        raise ConfigError(f"{path} lists no cost centers: add one row per cost center")
    return tuple(result)


def _budget(path: Path, n: int, code: str, row: dict[str, str]) -> tuple[Decimal | None, str]:
    """A row's monthly budget and its currency; (None, "") when the row gives none."""
    text = row.get("budget", "").replace(",", "").replace("_", "")
    currency = row.get("budget_currency", "").upper()
    if currency and not _CURRENCY.match(currency):
        raise ConfigError(
            f"{path} line {n}: budget_currency {shown(row.get('budget_currency'))} for "
            f"{shown(code)} is not a 3-letter currency code; write e.g. USD"
        )
    if not text:
        if currency:
            raise ConfigError(
                f"{path} line {n}: {shown(code)} has a budget_currency but no budget; give "
                "the monthly budget or leave both empty"
            )
        return None, ""
    try:
        budget = Decimal(text)
    except InvalidOperation:
        budget = Decimal("NaN")
    if not budget.is_finite() or budget < 0:
        raise ConfigError(
            f"{path} line {n}: budget {shown(row.get('budget'))} for {shown(code)} is not an "
            "amount of 0 or more; write the monthly budget as a plain number, e.g. 2500.00"
        )
    return budget.quantize(Decimal("0.01")), currency


def master_codes(master: Sequence[CostCenter]) -> dict[str, str]:
    """Each master code by its ``code_key``: built once per table, so resolving a table's
    rows is linear (a scan per row made an 8,000-row table take seconds; issue 19)."""
    index: dict[str, str] = {}
    for c in master:
        index.setdefault(code_key(c.code), c.code)
    return index


def resolve_code(
    value: str,
    master: Sequence[CostCenter],
    aliases: dict[str, str],
    where: str,
    codes: dict[str, str] | None = None,
) -> str:
    """The master code ``value`` names; an error naming ``where`` when it names none.
    ``codes``: ``master_codes(master)``, when resolving many values."""
    key = code_key(value)
    found = (master_codes(master) if codes is None else codes).get(key)
    if found is not None:
        return found
    if key in aliases:
        return aliases[key]
    if not master:
        return value.strip()
    raise ConfigError(
        f"{where}: cost center {shown(value)} is not in the cost-center master list; "
        "add it to the master list or an alias, or fix the typo"
    )


def load_aliases(path: Path, master: Sequence[CostCenter]) -> dict[str, str]:
    """The alias table: ``alias,code`` (``cc1001`` -> ``CC-1001``)."""
    result: dict[str, str] = {}
    codes = master_codes(master)
    for n, row in _rows(path, ("alias", "code"), "alias table"):
        result.update(check_alias(row["alias"], row["code"], master, f"{path} line {n}", codes))
    return result


def check_alias(
    alias: str,
    code: str,
    master: Sequence[CostCenter],
    where: str,
    codes: dict[str, str] | None = None,
) -> dict[str, str]:
    if not alias or not code:
        raise ConfigError(f"{where}: alias and code must both be given")
    codes = master_codes(master) if codes is None else codes
    target = resolve_code(code, master, {}, where, codes)
    key = code_key(alias)
    clash = codes.get(key)
    if clash is not None and clash != target:
        raise ConfigError(
            f"{where}: alias {shown(alias)} is itself the master code {shown(clash)}; "
            "remove the alias"
        )
    return {key: target}


def load_mapping(
    path: Path, table: str, master: Sequence[CostCenter], aliases: dict[str, str]
) -> dict[str, str]:
    """A mapping table: key column (see ``MAP_KEY_COLUMNS``), ``cost_center``."""
    names = MAP_KEY_COLUMNS[table]
    result: dict[str, str] = {}
    lines: dict[str, int] = {}
    key_column: str | None = None
    codes = master_codes(master)
    for n, row in _rows(path, ("cost_center",), f"{table} table"):
        if key_column is None:
            key_column = next((c for c in names if c in row), None)
            if key_column is None:
                raise ConfigError(
                    f"{path}: no key column; name the first column one of {', '.join(names)}"
                )
        raw_key, value = row[key_column], row["cost_center"]
        if not raw_key or not value:
            raise ConfigError(f"{path} line {n}: {key_column} and cost_center must both be given")
        if table == "account_map" and not _ACCOUNT.match(raw_key):
            raise ConfigError(
                f"{path} line {n}: account id {shown(raw_key)} is not 12 digits; write it as text "
                "with its leading zeros (spreadsheets drop them)"
            )
        key = code_key(raw_key)
        code = resolve_code(value, master, aliases, f"{path} line {n}", codes)
        if key in result and result[key] != code:
            raise ConfigError(
                f"{path} line {n}: {shown(raw_key)} is already mapped to "
                f"{shown(result[key])} on line {lines[key]}; keep one"
            )
        result[key], lines[key] = code, n
    return result
