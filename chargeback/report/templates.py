"""The report templates (``report_templates/*.toml``): wording and layout, validated.

Finance edits the TOML files, not code. They are read from the package, or from a folder
given with ``--templates`` where a file present there replaces the shipped one. Anything the
tool does not know (a section, a setting, a column key, a placeholder) is a ``ConfigError``
naming the file and the key.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import chargeback.taxonomy as taxonomy
from chargeback.errors import ConfigError
from chargeback.settings.textfile import NESTED_TOO_DEEP, TOML_LIMIT, read_text, shown
from chargeback.taxonomy import CATEGORIES

WORKBOOK_FILE = "workbook.toml"
JOURNAL_FILE = "journal.toml"

#: The columns each table can show, by template section.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "summary": (
        "cost_center",
        "cost_center_name",
        "gl_account",
        "owner",
        "team",
        "currency",
        *CATEGORIES,
        "net",
        "share_pct",
        "last_month",
        "change",
        "budget",
        "remaining",
        "used_pct",
        "projected",
        "line_items",
    ),
    "statement": (
        "project_id",
        "model",
        "usage_kind",
        "usage_type",
        "line_item_type",
        "usage_amount",
        "pricing_unit",
        "application",
        "environment",
        "team",
        "owner",
        "usage_account_id",
        "resource_id",
        "attribution_source",
        "attribution_value",
        "description",
        "currency",
        "amount",
        "line_items",
    ),
    "worklist": (
        "usage_account_id",
        "iam_principal",
        "resource_id",
        "model",
        "reason",
        "attribution_value",
        "currency",
        "amount",
        "line_items",
    ),
    "journal": (
        "date",
        "period",
        "account",
        "cost_center",
        "description",
        "debit",
        "credit",
        "currency",
        "reference",
    ),
}

#: Columns a table cannot do without (its totals are computed over them).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "summary": ("cost_center", "net"),
    "statement": ("amount",),
    "worklist": ("amount",),
    "journal": ("account", "debit", "credit", "currency"),
}

SHEETS = ("summary", "unattributed", "reconciliation", "coverage")
TITLES = ("summary", "statement", "unattributed", "worklist", "reconciliation", "coverage")
#: Sheets and titles added since templates were first copied: a template that lacks them
#: gets these defaults rather than an error.
OPTIONAL_SHEETS: dict[str, str] = {"unit_economics": "Unit economics"}
OPTIONAL_TITLES: dict[str, str] = {
    "unit_economics": "Unit economics {period}: tokens, cost per 1M tokens and the prompt cache",
}
FORMATS = ("money", "quantity", "share", "coverage", "count")
USAGE_KINDS = (*taxonomy.USAGE_KINDS, "none")  # "none": lines that are not usage
REASONS = (
    "default_project",
    "untagged",
    "no_resource",
    "invalid_cost_center",
    "inactive_cost_center",
    "allocated_by_policy",
)
#: Labels of the fixed tables (reasons, reconciliation, coverage), also set in [labels].
EXTRA_LABELS: tuple[str, ...] = (
    "meaning",
    "spend",
    "attributed",
    "unattributed",
    "coverage",
    "invoice_id",
    "billing_entity",
    "input_file",
    "rows",
    "period_rows",
    "bedrock_rows",
    "tag_key",
    "token_kind",
    "charge",
    "tokens",
    "cost_per_1m_tokens",
    "cache_hit_rate_pct",
    "cache_savings",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
)
TITLE_FIELDS = frozenset({"company", "period", "cost_center"})

#: The workbook's fixed wording (header block, totals, reconciliation), English by default;
#: a [words] section in workbook.toml replaces any of them.
DEFAULT_WORDS: dict[str, str] = {
    "billing_period": "Billing period",
    # The consolidated workbook's one sheet of every statement, past MAX_STATEMENT_SHEETS
    # cost centers (report/xlsx/workbook.py), and what its title names.
    "statements_sheet": "Statements",
    "all_cost_centers": "all cost centers",
    "cost_center": "Cost center",
    "name": "Name",
    "gl_account": "GL account",
    "currency": "Currency",
    "owner": "Owner",
    "team": "Team",
    "invoice_ids": "Invoice ids",
    "source_export": "Source export",
    "cost_measure": "Cost measure",
    "generated_at": "Generated at",
    "tool_version": "Tool version",
    "run_reference": "Run reference",
    "status": "Status",
    "last_month_from": "Last month from",
    "total": "Total",
    "subtotal": "Subtotal",
    "no_project": "(no project)",
    "none": "(none)",
    "export_total": "Export Bedrock total",
    "attributed_total": "Attributed (cost center statements)",
    "unattributed_total": "Unattributed",
    "difference": "Difference",
    "warning": "Warning",
    "tag_keys": "Tag keys the Bedrock lines carry (the cost-center tag matches none of them)",
    "continued_on": "Continued on sheet",
    "continued_from": "Continued from sheet",
    # issue 15: budgets, alerts and charts
    "alerts_sheet": "Alerts",
    "alerts_title": "Alerts: over budget, projected over budget, above usual spend",
    "no_alerts": "No cost center is over or near its budget; no spend is above its usual level.",
    "anomaly_check": "Anomaly check",
    "alert_kind": "Alert",
    "reference": "Budget or median",
    "message": "What happened",
    "chart_data_sheet": "Chart data",
    "chart_by_cost_center": "Spend by cost center",
    "chart_by_model": "Spend by model",
    "chart_trend": "Spend by month",
    "chart_budget": "Budget used (%)",
    "this_month": "this month",
}


@dataclass(frozen=True)
class WorkbookTemplate:
    """``workbook.toml``: how the workbook looks and what it calls things."""

    origin: str
    company: str
    formats: Mapping[str, str]
    sheets: Mapping[str, str]
    titles: Mapping[str, str]
    columns: Mapping[str, tuple[str, ...]]
    labels: Mapping[str, str]
    widths: Mapping[str, float]
    usage_kinds: Mapping[str, str]
    reasons: Mapping[str, str]
    words: Mapping[str, str]

    def word(self, key: str) -> str:
        return self.words.get(key, DEFAULT_WORDS[key])

    def label(self, column: str) -> str:
        return self.labels.get(column, column.replace("_", " ").capitalize())

    def width(self, column: str) -> float:
        return self.widths.get(column, 14)

    def title(self, name: str, **values: str) -> str:
        return fill(self.titles[name], company=self.company, **values)

    def money_format(self, currency: str) -> str:
        return self.formats["money"].replace("{currency}", currency)

    def usage_kind(self, kind: str) -> str:
        return self.usage_kinds.get(kind or "none", kind)

    def reason(self, reason: str) -> str:
        return self.reasons.get(reason, reason)


@dataclass(frozen=True)
class JournalTemplate:
    """``journal.toml``: the GL accounts, wording and columns of the journal."""

    origin: str
    expense_account: str
    clearing_account: str
    unattributed_cost_center: str
    debit_description: str
    credit_description: str
    columns: tuple[str, ...]
    labels: Mapping[str, str]


@dataclass(frozen=True)
class Templates:
    workbook: WorkbookTemplate
    journal: JournalTemplate


def with_settings(
    templates: Templates,
    company: str | None = None,
    expense_account: str | None = None,
    clearing_account: str | None = None,
) -> Templates:
    """``templates`` with the company and journal accounts of chargeback.toml, where set
    (they win over the template's values)."""
    journal = templates.journal
    return Templates(
        workbook=replace(templates.workbook, company=company or templates.workbook.company),
        journal=replace(
            journal,
            expense_account=expense_account or journal.expense_account,
            clearing_account=clearing_account or journal.clearing_account,
        ),
    )


def placeholder_settings(templates: Templates) -> dict[str, str]:
    """The settings still at the shipped templates' example values ("Example Corp", the
    example GL accounts), by their name in chargeback.toml, with the value in use."""
    shipped = _shipped()
    used = {
        "company": templates.workbook.company,
        "journal.expense_account": templates.journal.expense_account,
        "journal.clearing_account": templates.journal.clearing_account,
    }
    example = {
        "company": shipped.workbook.company,
        "journal.expense_account": shipped.journal.expense_account,
        "journal.clearing_account": shipped.journal.clearing_account,
    }
    return {k: v for k, v in used.items() if v.strip() == example[k].strip()}


@lru_cache(maxsize=1)
def _shipped() -> Templates:
    return load_templates(None)


def load_templates(folder: str | None = None) -> Templates:
    """The templates from ``folder`` where it has them, else the shipped ones."""
    return Templates(
        workbook=parse_workbook(*_read(WORKBOOK_FILE, folder)),
        journal=parse_journal(*_read(JOURNAL_FILE, folder)),
    )


def _read(name: str, folder: str | None) -> tuple[str, str]:
    if folder is not None:
        path = Path(folder) / name
        if path.exists():
            return read_text(path, "template", TOML_LIMIT), str(path)
        if not Path(folder).is_dir():
            raise ConfigError(
                f"--templates {folder} is not a folder: give the folder holding {name}"
            )
    return template_text(name), f"report_templates/{name}"


def _toml(text: str, origin: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{origin} is not valid TOML: {e}; fix the file") from e
    except RecursionError as e:
        raise ConfigError(f"{origin} {NESTED_TOO_DEEP}") from e


def parse_workbook(text: str, origin: str) -> WorkbookTemplate:
    data = _toml(text, origin)
    sections = ("company", "formats", "sheets", "titles", "labels", "widths")
    tables = ("summary", "statement", "worklist")
    _only(data, (*sections, "usage_kinds", "reasons", "words", *tables), origin)
    columns = {t: _columns(data, t, origin) for t in ("summary", "statement", "worklist")}
    known_labels = {c for t in TABLE_COLUMNS.values() for c in t} | set(EXTRA_LABELS)
    titles = _strings(data, "titles", (*TITLES, *OPTIONAL_TITLES), origin)
    _required(titles, TITLES, origin, "titles")
    titles = {**OPTIONAL_TITLES, **titles}
    for name, title in titles.items():
        _placeholders(title, TITLE_FIELDS, origin, f"titles.{name}")
    formats = _strings(data, "formats", FORMATS, origin, required=True)
    _placeholders(formats["money"], frozenset({"currency"}), origin, "formats.money")
    sheets = _strings(data, "sheets", (*SHEETS, *OPTIONAL_SHEETS), origin)
    _required(sheets, SHEETS, origin, "sheets")
    sheets = {**OPTIONAL_SHEETS, **sheets}
    _distinct_sheets(sheets, origin)
    widths = _table(data, "widths", origin)
    for key, value in widths.items():
        _known(key, known_labels, origin, "widths")
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= 255:
            raise ConfigError(f"{origin}: widths.{key} = {shown(value)} must be a number 1..255")
    labels = _strings(data, "labels", tuple(sorted(known_labels)), origin)
    company = data.get("company", "")
    if not isinstance(company, str):
        raise ConfigError(f'{origin}: company must be text, e.g. company = "Example Corp"')
    return WorkbookTemplate(
        origin=origin,
        company=company,
        formats=formats,
        sheets=sheets,
        titles=titles,
        columns=columns,
        labels=labels,
        widths={k: float(v) for k, v in widths.items()},
        usage_kinds=_strings(data, "usage_kinds", USAGE_KINDS, origin),
        reasons=_strings(data, "reasons", REASONS, origin),
        words=_strings(data, "words", tuple(DEFAULT_WORDS), origin),
    )


def parse_journal(text: str, origin: str) -> JournalTemplate:
    data = _toml(text, origin)
    settings = (
        "expense_account",
        "clearing_account",
        "unattributed_cost_center",
        "debit_description",
        "credit_description",
    )
    _only(data, (*settings, "columns", "labels"), origin)
    values: dict[str, str] = {}
    for key in settings:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{origin}: {key} is missing or empty; give it as text")
        values[key] = value
    for key in ("debit_description", "credit_description"):
        _placeholders(values[key], TITLE_FIELDS, origin, key)
    columns = _columns({"journal": {"columns": data.get("columns")}}, "journal", origin)
    labels = _strings(data, "labels", TABLE_COLUMNS["journal"], origin)
    return JournalTemplate(origin=origin, columns=columns, labels=labels, **values)


def _only(data: Mapping[str, Any], allowed: tuple[str, ...], origin: str) -> None:
    for key in data:
        if key not in allowed:
            raise ConfigError(
                f"{origin}: unknown setting {shown(key)}; known: {', '.join(allowed)}"
            )


def _table(data: Mapping[str, Any], name: str, origin: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{origin}: {name} must be a [{name}] section")
    return value


def _strings(
    data: Mapping[str, Any],
    name: str,
    known: tuple[str, ...],
    origin: str,
    required: bool = False,
) -> dict[str, str]:
    table = _table(data, name, origin)
    for key, value in table.items():
        _known(key, known, origin, name)
        if not isinstance(value, str):
            raise ConfigError(f"{origin}: {name}.{key} = {shown(value)} must be text")
    if required:
        for key in known:
            if key not in table:
                raise ConfigError(f'{origin}: [{name}] has no {key}; add {key} = "..."')
    return dict(table)


def _required(table: Mapping[str, str], keys: tuple[str, ...], origin: str, name: str) -> None:
    for key in keys:
        if key not in table:
            raise ConfigError(f'{origin}: [{name}] has no {key}; add {key} = "..."')


def _known(key: str, known: tuple[str, ...] | set[str], origin: str, where: str) -> None:
    if key not in known:
        raise ConfigError(
            f"{origin}: [{where}] names unknown key {shown(key)}; known: {', '.join(sorted(known))}"
        )


def _columns(data: Mapping[str, Any], table: str, origin: str) -> tuple[str, ...]:
    section = _table(data, table, origin)
    _only(section, ("columns",), f"{origin} [{table}]")
    columns = section.get("columns")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise ConfigError(f"{origin}: [{table}] columns must be a list of column keys")
    known = TABLE_COLUMNS[table]
    for column in columns:
        if column not in known:
            raise ConfigError(
                f"{origin}: [{table}] columns names unknown column {shown(column)}; "
                f"known columns: {', '.join(known)}"
            )
    if len(set(columns)) != len(columns):
        twice = next(c for c in columns if columns.count(c) > 1)
        raise ConfigError(f"{origin}: [{table}] columns lists {shown(twice)} twice")
    for column in REQUIRED_COLUMNS[table]:
        if column not in columns:
            raise ConfigError(f"{origin}: [{table}] columns must include {shown(column)}")
    return tuple(columns)


def _placeholders(text: str, allowed: frozenset[str], origin: str, where: str) -> None:
    """Only plain ``{name}`` fields of ``allowed``: a format spec or conversion would run on
    the values (a tag value is a cost center), so none is accepted, not even a harmless one."""
    try:
        parsed = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(text)
            if name is not None
        ]
    except ValueError as e:
        raise ConfigError(
            f"{origin}: {where} = {shown(text)}: {e}; write braces as {{{{ }}}}"
        ) from e
    fields = {name for name, _, _ in parsed}
    unknown = sorted(fields - allowed)
    if unknown:
        raise ConfigError(
            f"{origin}: {where} uses unknown placeholder {{{unknown[0]}}}; "
            f"known: {', '.join('{' + f + '}' for f in sorted(allowed))}"
        )
    for name, spec, conversion in parsed:
        if spec or conversion:
            field = "{" + name + (f"!{conversion}" if conversion else "") + f":{spec}" * bool(spec)
            raise ConfigError(
                f"{origin}: {where} uses the field {field}}}: write fields as a plain "
                f"{{{name}}}, without a format spec or conversion"
            )


def _distinct_sheets(sheets: Mapping[str, str], origin: str) -> None:
    seen: dict[str, str] = {}
    for key, name in sheets.items():
        if (
            not name.strip()
            or len(name) > 31
            or set(name) & set("[]:*?/\\")
            or name.startswith("'")
            or name.endswith("'")
            or name.lower() == "history"
        ):
            raise ConfigError(
                f"{origin}: sheets.{key} = {shown(name)} is not a valid Excel sheet name "
                "(1-31 characters, none of []:*?/\\, no ' at either end, not History)"
            )
        if name.lower() in seen:
            raise ConfigError(f"{origin}: sheets.{key} and sheets.{seen[name.lower()]} are equal")
        seen[name.lower()] = key


def fill(text: str, **values: object) -> str:
    """``text`` with each ``{name}`` field replaced by ``str(values[name])``. Never
    ``str.format``: a format spec in a template would then run on data (a tag value as a
    width); templates are checked to have none (``_placeholders``), and none is applied."""
    parts: list[str] = []
    for literal, name, _spec, _conversion in string.Formatter().parse(text):
        parts.append(literal)
        if name is not None:
            parts.append(str(values[name]))
    return "".join(parts)


def template_text(name: str) -> str:
    """The text of the shipped ``report_templates/<name>``."""
    return (resources.files("chargeback.report_templates") / name).read_text(encoding="utf-8")
