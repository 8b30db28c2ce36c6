"""``chargeback.toml``: read, validated and resolved in one place into a ``RunConfig``.

Precedence (applied by ``settings.resolve``): arguments > environment > config file >
default. Unknown keys, wrong types and bad values are ``ConfigError``s naming
the file, the key and the fix. Paths in the file are relative to the file's folder.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from chargeback.errors import ConfigError
from chargeback.settings.model import (
    DEFAULT_STATEMENT_TAGS,
    CostMeasure,
    InvocationLogSettings,
    Period,
    RunConfig,
    ScanEngine,
)
from chargeback.settings.rules import (
    DEFAULT_ORDER,
    AlertThresholds,
    AllocationRules,
    CostCenter,
    Method,
    Policy,
    Rule,
)
from chargeback.settings.tables import (
    check_alias,
    load_aliases,
    load_mapping,
    load_master,
    master_codes,
    resolve_code,
)
from chargeback.settings.textfile import NESTED_TOO_DEEP, TOML_LIMIT, read_text, shown
from chargeback.taxonomy import PolicyKind

_E = TypeVar("_E", CostMeasure, Rule, Method, ScanEngine)

CONFIG_FILE = "chargeback.toml"

_TOP = (
    "out",
    "cost_center_tag",
    "cost_measure",
    "threads",
    "memory_limit",
    "templates",
    "strict",
    "company",
    "alert_topic",
    "engine",
    "spark_remote",
)
_SECTIONS = (
    "statement_tags",
    "attribution",
    "cost_centers",
    "policies",
    "journal",
    "alerts",
    "invocation_logs",
)
_LOG_ROLES = ("application", "environment", "team", "owner")
_INVOCATION_LOGS = ("location", "cost_center_keys", *(f"{r}_key" for r in _LOG_ROLES))
_ALERTS = (
    "month_ratio",
    "min_months",
    "min_amount",
    "budget_warn_pct",
    "day_ratio",
    "min_day_amount",
)
_JOURNAL = ("expense_account", "clearing_account")
_ATTRIBUTION = ("order", "resource_map", "principal_map", "account_map")
_COST_CENTERS = ("master", "aliases")


@dataclass(frozen=True)
class FileSettings:
    """What a config file says (nothing when there is no file)."""

    path: str | None = None
    run: dict[str, Any] = field(default_factory=dict)
    statement_tags: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_STATEMENT_TAGS))
    rules: AllocationRules = field(default_factory=AllocationRules)
    alerts: AlertThresholds = field(default_factory=AlertThresholds)


def find_config(explicit: str | None, cwd: Path | None = None) -> Path | None:
    """The config to use: the one named (``--config`` or ``CHARGEBACK_CONFIG``), else
    ``./chargeback.toml`` when it exists."""
    if explicit:
        path = Path(explicit)
        if not path.exists():
            raise ConfigError(
                f"config file {path} does not exist: fix --config (CHARGEBACK_CONFIG) or create it"
            )
        if not path.is_file():
            raise ConfigError(
                f"config file {path} is not a regular file (a folder, device or pipe): give "
                "--config (CHARGEBACK_CONFIG) the path of a chargeback.toml"
            )
        return path
    default = (cwd or Path.cwd()) / CONFIG_FILE
    return default if default.is_file() else None


def load_settings(path: Path | None) -> FileSettings:
    """Read and validate a config file (and the tables it names)."""
    if path is None:
        return FileSettings()
    text = read_text(path, "config file", TOML_LIMIT)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path} is not valid TOML ({e}); fix the line named") from e
    except RecursionError as e:
        raise ConfigError(f"{path} {NESTED_TOO_DEEP}") from e
    where = str(path)
    _known(data, (*_TOP, *_SECTIONS), where, "")
    run: dict[str, Any] = {}
    for key in ("out", "cost_center_tag", "memory_limit", "company", "alert_topic", "spark_remote"):
        if key in data:
            run[key] = _text(data[key], where, key)
    journal = _table(data.get("journal", {}), where, "journal")
    _known(journal, _JOURNAL, where, "journal.")
    for key, value in journal.items():
        run[key] = _text(value, where, f"journal.{key}")
    if "templates" in data:  # a report_templates folder, relative to the config file
        run["templates"] = str(path.parent / _text(data["templates"], where, "templates"))
    if "cost_measure" in data:
        run["cost_measure"] = _choice(data["cost_measure"], CostMeasure, where, "cost_measure")
    if "engine" in data:
        run["engine"] = _choice(data["engine"], ScanEngine, where, "engine")
    if "threads" in data:
        value = data["threads"]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(
                f"{where}: threads = {shown(value)} must be a whole number, 1 or more"
            )
        run["threads"] = value
    if "strict" in data:
        if not isinstance(data["strict"], bool):
            raise ConfigError(f"{where}: strict = {data['strict']!r} must be true or false")
        run["strict"] = data["strict"]
    if "invocation_logs" in data:
        run["invocation_logs"] = _invocation_logs(data["invocation_logs"], path.parent, where)
    tags = dict(DEFAULT_STATEMENT_TAGS)
    section = _table(data.get("statement_tags", {}), where, "statement_tags")
    _known(section, tuple(DEFAULT_STATEMENT_TAGS), where, "statement_tags.")
    for role, value in section.items():
        tags[role] = _text(value, where, f"statement_tags.{role}")
    alerts = _alerts(_table(data.get("alerts", {}), where, "alerts"), where)
    return FileSettings(where, run, tags, _rules(data, path.parent, where), alerts)


def _alerts(section: Mapping[str, Any], where: str) -> AlertThresholds:
    """``[alerts]``: when a month's spend is flagged (defaults: ``AlertThresholds``)."""
    _known(section, _ALERTS, where, "alerts.")
    values: dict[str, Any] = {}
    for key, raw in section.items():
        name = f"alerts.{key}"
        if key == "min_months":
            if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= 6:
                raise ConfigError(
                    f"{where}: {name} = {shown(raw)} must be a whole number from 1 to 6 "
                    "(at most six previous months are read)"
                )
            values[key] = raw
            continue
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ConfigError(f"{where}: {name} = {shown(raw)} must be a number")
        value = Decimal(str(raw))
        if key == "month_ratio" and not (value.is_finite() and value > 1):
            raise ConfigError(f"{where}: {name} = {shown(raw)} must be more than 1")
        if key == "day_ratio" and value.is_finite() and 0 < value <= 1:
            raise ConfigError(
                f"{where}: {name} = {shown(raw)} must be more than 1, or 0 to turn the daily "
                "check off"
            )
        if not (value.is_finite() and value >= 0):
            raise ConfigError(f"{where}: {name} = {shown(raw)} must be 0 or more")
        values[key] = value
    return AlertThresholds(**values)


def _invocation_logs(raw: Any, base: Path, where: str) -> dict[str, Any]:
    """``[invocation_logs]``: location (relative to the config file unless s3://), the
    requestMetadata key(s) of the cost center, and optional keys of the statement tags."""
    section = _table(raw, where, "invocation_logs")
    _known(section, _INVOCATION_LOGS, where, "invocation_logs.")
    found: dict[str, Any] = {}
    if "location" in section:
        location = _text(section["location"], where, "invocation_logs.location")
        found["location"] = location if location.startswith("s3://") else str(base / location)
    if "cost_center_keys" in section:
        keys = section["cost_center_keys"]
        keys = [keys] if isinstance(keys, str) else keys
        if not isinstance(keys, list) or not keys:
            raise ConfigError(
                f"{where}: invocation_logs.cost_center_keys must be a key or a non-empty list "
                'of requestMetadata keys, e.g. ["costCenter"]'
            )
        found["cost_center_keys"] = tuple(
            _text(k, where, "invocation_logs.cost_center_keys") for k in keys
        )
    statement_keys = dict(InvocationLogSettings("-").statement_keys)
    for role in _LOG_ROLES:
        name = f"{role}_key"
        if name in section:
            statement_keys[role] = _text(section[name], where, f"invocation_logs.{name}")
    found["statement_keys"] = statement_keys
    return found


def _rules(data: Mapping[str, Any], base: Path, where: str) -> AllocationRules:
    cc = _table(data.get("cost_centers", {}), where, "cost_centers")
    _known(cc, _COST_CENTERS, where, "cost_centers.")
    files: dict[str, str] = {}
    master: tuple[CostCenter, ...] = ()
    if "master" in cc:
        path = base / _text(cc["master"], where, "cost_centers.master")
        master, files["master"] = load_master(path), str(path)
    aliases: dict[str, str] = {}
    raw_aliases = cc.get("aliases")
    if isinstance(raw_aliases, str):
        path = base / _text(raw_aliases, where, "cost_centers.aliases")
        aliases, files["aliases"] = load_aliases(path, master), str(path)
    elif isinstance(raw_aliases, dict):
        codes = master_codes(master)
        for alias, code in raw_aliases.items():
            key = f"cost_centers.aliases.{alias}"
            text = _text(code, where, key)
            aliases.update(check_alias(alias, text, master, f"{where}: {key}", codes))
    elif raw_aliases is not None:
        raise ConfigError(
            f"{where}: cost_centers.aliases must be a CSV path or a table of alias = code"
        )

    at = _table(data.get("attribution", {}), where, "attribution")
    _known(at, _ATTRIBUTION, where, "attribution.")
    order = DEFAULT_ORDER
    if "order" in at:
        raw = at["order"]
        if not isinstance(raw, list) or not raw:
            raise ConfigError(
                f"{where}: attribution.order must be a non-empty list of rules, e.g. "
                f"[{', '.join(repr(r.value) for r in DEFAULT_ORDER)}]"
            )
        order = tuple(_choice(r, Rule, where, "attribution.order") for r in raw)
        if len(set(order)) != len(order):
            raise ConfigError(f"{where}: attribution.order names a rule twice; keep one")
    maps: dict[str, dict[str, str]] = {}
    for name in ("resource_map", "principal_map", "account_map"):
        if name in at:
            path = base / _text(at[name], where, f"attribution.{name}")
            maps[name], files[name] = load_mapping(path, name, master, aliases), str(path)
            if Rule(name) not in order:
                raise ConfigError(
                    f"{where}: attribution.{name} is given but attribution.order leaves out "
                    f"{shown(name)}; add it to the order or remove the table"
                )
    policies = _policies(_table(data.get("policies", {}), where, "policies"), master, where)
    return AllocationRules(
        order=order,
        resource_map=maps.get("resource_map", {}),
        principal_map=maps.get("principal_map", {}),
        account_map=maps.get("account_map", {}),
        master=master,
        aliases=aliases,
        policies=policies,
        files=files,
    )


def _policies(
    section: Mapping[str, Any], master: tuple[CostCenter, ...], where: str
) -> dict[PolicyKind, Policy]:
    _known(section, tuple(k.value for k in PolicyKind), where, "policies.")
    result: dict[PolicyKind, Policy] = {}
    for name, raw in section.items():
        key = f"policies.{name}"
        if isinstance(raw, str):
            method = _choice(raw, Method, where, key)
            if method is Method.FIXED:
                raise ConfigError(
                    f"{where}: {key} = 'fixed' needs its percentages: write "
                    f'{key} = {{ method = "fixed", shares = {{ "CC-1001" = 60, "CC-2002" = 40 }} }}'
                )
            result[PolicyKind(name)] = Policy(method)
            continue
        table = _table(raw, where, key)
        _known(table, ("method", "shares"), where, f"{key}.")
        method = _choice(table.get("method"), Method, where, f"{key}.method")
        if method is not Method.FIXED:
            if "shares" in table:
                raise ConfigError(f"{where}: {key}.shares only goes with method = 'fixed'")
            result[PolicyKind(name)] = Policy(method)
            continue
        shares_raw = _table(table.get("shares"), where, f"{key}.shares")
        if not shares_raw:
            raise ConfigError(f"{where}: {key}.shares is empty; give each cost center its percent")
        shares: dict[str, Decimal] = {}
        for code, pct in shares_raw.items():
            skey = f"{key}.shares.{code}"
            if isinstance(pct, bool) or not isinstance(pct, int | float | str):
                raise ConfigError(f"{where}: {skey} = {shown(pct)} must be a percentage number")
            try:
                value = Decimal(str(pct))
            except InvalidOperation as e:
                raise ConfigError(f"{where}: {skey} = {shown(pct)} is not a number") from e
            if not value.is_finite() or value <= 0:
                raise ConfigError(f"{where}: {skey} = {pct} must be more than 0")
            canonical = resolve_code(code, master, {}, f"{where}: {skey}")
            if any(c.code == canonical and not c.active for c in master):
                raise ConfigError(
                    f"{where}: {skey}: cost center {shown(canonical)} is inactive in the master "
                    "list; give its share to an active cost center"
                )
            shares[canonical] = shares.get(canonical, Decimal(0)) + value
        total = sum(shares.values(), Decimal(0))
        if total != 100:
            raise ConfigError(
                f"{where}: {key}.shares add up to {total}, not 100; fix the percentages"
            )
        result[PolicyKind(name)] = Policy(method, tuple(sorted(shares.items())))
    return result


def build_run_config(
    source: str,
    period: str,
    settings: FileSettings,
    *,
    out: str | None = None,
    cost_center_tag: str | None = None,
    cost_measure: CostMeasure | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    templates: str | None = None,
    strict: bool | None = None,
    invocation_logs: str | None = None,
    alert_topic: str | None = None,
    engine: ScanEngine | None = None,
    spark_remote: str | None = None,
) -> RunConfig:
    """The run's settings: each option from the command line, else the file, else default."""
    file = settings.run
    logs: dict[str, Any] = dict(file.get("invocation_logs", {}))
    if invocation_logs is not None:
        logs["location"] = invocation_logs
    if not logs and Rule.INVOCATION_LOGS in settings.rules.order:
        raise ConfigError(
            f"{settings.path}: attribution.order names invocation_logs but no invocation logs "
            "are given: set --invocation-logs (CHARGEBACK_INVOCATION_LOGS, or location under "
            "[invocation_logs]), or remove it from the order"
        )
    if logs and "location" not in logs:
        raise ConfigError(
            f"{settings.path}: [invocation_logs] gives no location: set location (or "
            "--invocation-logs, CHARGEBACK_INVOCATION_LOGS) to the logs' folder or s3:// prefix"
        )
    return RunConfig(
        source=source,
        period=Period.parse(period),
        out=out if out is not None else file.get("out", "out"),
        cost_center_tag=cost_center_tag
        if cost_center_tag is not None
        else file.get("cost_center_tag", "CostCenter"),
        cost_measure=cost_measure
        if cost_measure is not None
        else file.get("cost_measure", CostMeasure.NET_UNBLENDED),
        statement_tags=dict(settings.statement_tags),
        threads=threads if threads is not None else file.get("threads"),
        memory_limit=memory_limit if memory_limit is not None else file.get("memory_limit"),
        rules=settings.rules,
        config_file=settings.path,
        templates=templates if templates is not None else file.get("templates"),
        strict=strict if strict is not None else bool(file.get("strict", False)),
        company=file.get("company"),
        expense_account=file.get("expense_account"),
        clearing_account=file.get("clearing_account"),
        invocation_logs=InvocationLogSettings(**logs) if logs else None,
        alerts=settings.alerts,
        alert_topic=alert_topic if alert_topic is not None else file.get("alert_topic"),
        engine=engine if engine is not None else file.get("engine", ScanEngine.DUCKDB),
        spark_remote=spark_remote if spark_remote is not None else file.get("spark_remote"),
    )


def _known(table: Mapping[str, Any], allowed: tuple[str, ...], where: str, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(
                f"{where}: unknown key {prefix}{shown(key)}; known keys here: "
                f"{', '.join(allowed)}. Remove or rename it"
            )


def _table(value: Any, where: str, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(
            f"{where}: {key} must be a table ([{key}] or {{ ... }}), not {shown(value)}"
        )
    return value


def _text(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key} = {shown(value)} must be a non-empty string")
    return value.strip()


def _choice(value: Any, enum: type[_E], where: str, key: str) -> _E:
    choices = [e.value for e in enum]
    if isinstance(value, str):
        for e in enum:
            if e.value == value.strip():
                return e
    raise ConfigError(f"{where}: {key} = {shown(value)} is not one of {', '.join(choices)}")
