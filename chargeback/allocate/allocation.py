"""Running the SQL pipeline over the canonical view: Bedrock lines -> allocation -> totals."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, Protocol, cast

from chargeback.allocate.daily_spend import DaySpend, daily_spend
from chargeback.allocate.engine import Engine
from chargeback.allocate.invocation_logs import (
    LogSummary,
    log_summary,
    match_logs,
    read_logs,
    split_logged,
)
from chargeback.allocate.matching import Unmatched, rule_matches, unmatched_settings
from chargeback.allocate.policies import SPLIT_REASON, PolicySplit, apply_policies
from chargeback.allocate.products import ProductNames, Reads, name_products
from chargeback.allocate.statements import (
    LINE_FIELDS,
    UNATTRIBUTED,
    Breakdown,
    CurrencyTotals,
    StatementLine,
    build_currency_totals,
    rounded_breakdown,
    shared_text,
)
from chargeback.allocate.unit_economics import UnitEconomics, unit_economics
from chargeback.errors import ConfigError, InputError
from chargeback.read.invocation_logs import LogObjects
from chargeback.read.tagkeys import account_tag_keys, principal_tag_keys, tag_lookup
from chargeback.settings.model import CostMeasure, RunConfig
from chargeback.settings.rules import AllocationRules, CostCenter, Rule, with_invocation_logs


@dataclass(frozen=True)
class FileRows:
    """What one input file contributed."""

    uri: str
    rows: int
    period_rows: int
    bedrock_rows: int


@dataclass(frozen=True)
class BedrockSelection:
    """How many of the period's Bedrock line items each part of the Bedrock rule selected
    (``bedrock_selected_by`` in queries/00_macros.sql)."""

    #: AWS says so: product family ``Amazon Bedrock`` or a Bedrock product code.
    product_family_or_code: int = 0
    #: AWS Marketplace lines whose product name says Amazon Bedrock (or Bedrock Edition).
    marketplace_product_name: int = 0
    #: AWS Marketplace lines without such a name whose product code is on one that has it
    #: (a Marketplace model's tax, credit or discount lines).
    marketplace_product_code: int = 0


@dataclass(frozen=True)
class Allocation:
    """Everything the outputs show, already rounded."""

    totals: tuple[CurrencyTotals, ...]
    by_type: tuple[Breakdown, ...]
    by_invoice: tuple[Breakdown, ...]
    files: tuple[FileRows, ...]
    period_rows: int
    bedrock_rows: int
    measure_fallback_rows: int
    selection: BedrockSelection = BedrockSelection()
    #: The cost measure the statements charge: the one configured, or ``unblended`` when
    #: the export has no net unblended cost for the period's Bedrock lines (then a note says so).
    measure_applied: str = CostMeasure.NET_UNBLENDED.value
    measure_note: str = ""
    #: Unattributed spend by account, IAM principal, resource, model, reason and value found,
    #: rounded to each currency's UNATTRIBUTED lines (before policies moved any out).
    worklist: tuple[Breakdown, ...] = ()
    #: (cost center, currency, invoice id) for every invoice a cost center's lines are on.
    invoices: tuple[tuple[str, str, str], ...] = ()
    splits: tuple[PolicySplit, ...] = ()
    #: The cost-center master list (empty without one), for names and GL accounts.
    master: tuple[CostCenter, ...] = ()
    #: Bedrock line items each rule finds a value for (``line_items``: all of them).
    rule_matches: dict[str, int] = field(default_factory=dict)
    #: The cost-center tag or tables that match no Bedrock line of the period.
    unmatched: tuple[Unmatched, ...] = ()
    #: What the Bedrock taxonomy could not name (unknown usage types, unsized token units).
    products: ProductNames = ProductNames()
    #: Tokens, cost and cost per 1M tokens per cost center, model and token kind; the cache.
    economics: UnitEconomics = UnitEconomics()
    #: The invocation logs read and how much of the token usage they explain (None: the
    #: run was given none).
    invocation_logs: LogSummary | None = None
    #: Spend per cost center and usage day (the daily anomaly check); empty when it is off.
    daily: tuple[DaySpend, ...] = ()

    def master_entry(self, code: str) -> CostCenter | None:
        return self._master_by_code.get(code)

    @cached_property
    def _master_by_code(self) -> dict[str, CostCenter]:
        """Asked for every cost center of every output: an index, not a scan (issue 19)."""
        index: dict[str, CostCenter] = {}
        for c in self.master:
            index.setdefault(c.code, c)
        return index

    @cached_property
    def invoices_by_center(self) -> dict[str, tuple[str, ...]]:
        """Each cost center's invoice ids, sorted (from ``invoices``)."""
        found: dict[str, set[str]] = {}
        for center, _currency, invoice in self.invoices:
            found.setdefault(center, set()).add(invoice)
        return {center: tuple(sorted(ids)) for center, ids in found.items()}

    @property
    def lines(self) -> list[StatementLine]:
        return [ln for t in self.totals for c in t.cost_centers for ln in c.lines]


class Scan(Reads, Protocol):
    """What runs the queries that read the export (10 to 15, 21 to 23 and 25): the DuckDB
    engine itself, or another engine that hands the groups over (``allocate/spark_scan.py``).
    Its ``fetch`` is ``products.Reads``' (25 needs only that)."""

    def execute(self, name: str, params: Mapping[str, Any] | None = None) -> None: ...


class HandsOver(Scan, Protocol):
    """A scan on another engine: after 15 it puts its groups into DuckDB's ``bedrock_groups``."""

    def hand_over(self, engine: Engine) -> None: ...


#: The magnitude from which a cost no longer fits DECIMAL(38, 12) (exact_cost, 00_macros.sql).
COST_LIMIT = 1e26

#: Key slots 13 has per tag: in resource_tags, in the tags map, and for the principal's and
#: the account's cost-center tag.
RESOURCE_SLOTS, TAGS_SLOTS, PRINCIPAL_SLOTS, ACCOUNT_SLOTS = 2, 5, 3, 3


def tag_params(config: RunConfig) -> dict[str, str]:
    """Candidate keys of the cost-center tag and each statement tag, best first, as 13's key
    slots (``cc_r1``, ``cc_t1`` ...); unused slots get '', a key AWS never writes."""
    roles = {"cc": config.cost_center_tag, **config.statement_tags}
    params: dict[str, str] = {}
    for role, key in roles.items():
        lookup = tag_lookup(key)
        params |= _slots(f"{role}_r", lookup.resource_tag_keys, RESOURCE_SLOTS)
        params |= _slots(f"{role}_t", lookup.tags_map_keys, TAGS_SLOTS)
    params |= _slots("cc_p", principal_tag_keys(config.cost_center_tag), PRINCIPAL_SLOTS)
    params |= _slots("cc_a", account_tag_keys(config.cost_center_tag), ACCOUNT_SLOTS)
    return params


def _slots(prefix: str, keys: tuple[str, ...], slots: int) -> dict[str, str]:
    if len(keys) > slots:  # tagkeys.py makes at most this many spellings
        raise ValueError(f"{len(keys)} spellings {keys} for {slots} key slots")
    padded = [*keys, *[""] * (slots - len(keys))]
    return {f"{prefix}{i}": k for i, k in enumerate(padded, start=1)}


def load_rule_tables(engine: Engine, rules: AllocationRules) -> None:
    """The master list, aliases and mapping tables as DuckDB tables (rows are data, bound as
    parameters: DuckDB's Arrow import would load pandas just for these few rows, a start-up
    cost out of all proportion to them; benchmarks/RESULTS.md)."""
    mappings = [
        (kind, key, cost_center)
        for kind, mapping in (
            ("resource", rules.resource_map),
            ("principal", rules.principal_map),
            ("account", rules.account_map),
        )
        for key, cost_center in mapping.items()
    ]
    engine.execute(
        "30_rule_mappings",
        {
            "kinds": [m[0] for m in mappings],
            "keys": [m[1] for m in mappings],
            "cost_centers": [m[2] for m in mappings],
        },
    )
    rows = rules.lookup_rows()
    engine.execute(
        "31_cc_lookup",
        {
            "keys": [r[0] for r in rows],
            "codes": [r[1] for r in rows],
            "active": [r[2] for r in rows],
        },
    )


def allocate(
    engine: Engine,
    config: RunConfig,
    file_rows: dict[str, int],
    legacy_tag_columns: Sequence[str] = (),
    logs: LogObjects | None = None,
    scan_on: HandsOver | None = None,
) -> Allocation:
    """Select the period's Bedrock lines, allocate them, and total them per currency.
    ``legacy_tag_columns``: a legacy export's tag columns, named when the tag matches none;
    ``logs``: the period's invocation logs (``config.invocation_logs``), for that rule;
    ``scan_on``: another engine that reads the export (to 15, 21 to 23 and 25) and hands the
    groups over to ``engine``; None: DuckDB does it all."""
    scan: Scan = engine if scan_on is None else scan_on
    period = {"period_start": config.period.start, "period_end": config.period.end}
    per_file = scan.fetch("10_rows_by_file", period).dicts()
    period_rows = sum(int(r["period_rows"]) for r in per_file)
    undated_rows = sum(int(r["undated_rows"]) for r in per_file)
    if period_rows == 0:
        present = scan.fetch("11_periods").rows
        listing = ", ".join(f"{p} ({n} rows)" for p, n in present) or "none"
        undated = (
            f"; {undated_rows:,} rows have no bill_billing_period_start_date"
            if undated_rows
            else ""
        )
        raise InputError(
            f"no rows for {config.period} in {config.source}; billing periods present: "
            f"{listing}{undated}"
        )
    scan.execute("12_bedrock_period_lines")
    measure = {"measure": config.cost_measure.value}
    numbered = {"source_files": [str(r["source_file"]) for r in per_file]}
    log_match = {"log_match": logs is not None, "by_day": config.alerts.by_day}
    units = {"unit_descriptions": any(int(r["unit_lines"]) for r in per_file)}
    scan.execute(
        "13_bedrock_groups",
        {**period, **measure, **numbered, **tag_params(config), **log_match, **units},
    )
    scan.execute("18_bedrock_days")
    if undated_rows:
        _refuse_undated_bedrock_lines(scan)
    scan.execute("15_marketplace_lines")
    if scan_on is not None:
        scan_on.hand_over(engine)
    if logs is not None:
        read_logs(engine, config, logs)
    by_file = engine.fetch("20_bedrock_rows_by_file", numbered).dicts()
    bedrock = {r["source_file"]: r for r in by_file}
    if any(int(r["bad_lines"]) for r in bedrock.values()):
        raise bad_amount(*scan.fetch("21_bad_amounts", {**period, **measure}).rows[0])
    measure_applied, measure_note = applied_measure(config, by_file)
    candidates = scan.fetch("22_duplicate_keys").rows
    keys = [key for key, _count in candidates]
    duplicate = scan.fetch("23_duplicate_lines", {**period, "keys": keys}).rows if keys else []
    if duplicate:
        line_id, first, second, confirmed = duplicate[0]
        count = max(int(confirmed), int(candidates[0][1]))
        raise InputError(
            f"Bedrock line item {line_id} appears in both {first} and {second} ({count} line "
            "items repeat across files): SOURCE holds two deliveries of the export; point it "
            "at one delivery, or keep the manifest so only its files are read"
        )
    named = name_products(engine, period, scan)
    engine.execute("27_free_bedrock_groups")
    matched = match_logs(engine, config, logs)
    rules = config.rules
    # without logs the rule finds nothing (chargeback.toml naming it without a location is
    # refused by settings.files)
    order = (
        with_invocation_logs(rules.order)
        if logs is not None
        else tuple(r for r in rules.order if r is not Rule.INVOCATION_LOGS)
    )
    load_rule_tables(engine, rules)
    engine.execute(
        "32_allocate",
        {
            "unattributed": UNATTRIBUTED,
            "order": [r.value for r in order],
            "has_master": bool(rules.master),
        },
    )
    engine.execute("33_free_bedrock_lines")
    matches = rule_matches(engine)
    unmatched = unmatched_settings(engine, config, matches, legacy_tag_columns)
    if unmatched and config.strict:
        raise ConfigError(f"{unmatched[0].message} (--strict: nothing was published)")
    summary = None
    if logs is not None:
        split_logged(engine, UNATTRIBUTED, bool(rules.master))
        summary = log_summary(engine, config, logs, matched)
    shared: dict[str, str] = {}  # one object per distinct text, for all the lines
    found = [_statement_line(r, shared) for r in engine.stream("40_statement_lines")]
    daily = daily_spend(engine, shared) if config.alerts.by_day else ()
    named = named.with_spend(found)
    lines, splits = apply_policies(found, rules)
    del found  # the lines as rounded (in totals) are copies: these go before the next steps
    totals = build_currency_totals(lines)
    del lines, shared
    by_type = rounded_breakdown(
        engine.fetch("41_totals_by_type").dicts(), ["line_item_type"], totals
    )
    by_invoice = rounded_breakdown(
        engine.fetch("42_totals_by_invoice").dicts(), ["invoice_id", "billing_entity"], totals
    )
    worklist = rounded_breakdown(
        engine.fetch("43_unattributed_worklist").dicts(),
        [
            "usage_account_id",
            "iam_principal",
            "resource_id",
            "model",
            "unattributed_reason",
            "attribution_value",
        ],
        totals,
        targets={t.currency: to_tag(t) for t in totals},
    )
    invoices = tuple(
        (str(c), str(cur), str(i)) for c, cur, i in engine.fetch("44_invoices_by_cost_center").rows
    )
    files = tuple(
        FileRows(
            uri=r["source_file"],
            rows=file_rows.get(r["source_file"], int(r["all_rows"])),
            period_rows=int(r["period_rows"]),
            bedrock_rows=int(bedrock.get(r["source_file"], {}).get("bedrock_rows", 0)),
        )
        for r in per_file
    )
    fallback = sum(int(r["measure_fallback_rows"] or 0) for r in by_file)
    return Allocation(
        totals=tuple(totals),
        by_type=tuple(by_type),
        by_invoice=tuple(by_invoice),
        files=files,
        period_rows=period_rows,
        bedrock_rows=sum(f.bedrock_rows for f in files),
        measure_fallback_rows=fallback,
        selection=BedrockSelection(
            product_family_or_code=sum(int(r["service_rows"]) for r in by_file),
            marketplace_product_name=sum(int(r["marketplace_name_rows"]) for r in by_file),
            marketplace_product_code=sum(int(r["marketplace_code_rows"]) for r in by_file),
        ),
        measure_applied=measure_applied,
        measure_note=measure_note,
        worklist=tuple(worklist),
        invoices=invoices,
        splits=tuple(splits),
        master=rules.master,
        rule_matches=matches,
        unmatched=unmatched,
        products=named,
        economics=unit_economics(totals),
        invocation_logs=summary,
        daily=daily,
    )


def applied_measure(config: RunConfig, by_file: list[dict[str, Any]]) -> tuple[str, str]:
    """The measure charged, decided once for the export (20 counts, per file, the Bedrock
    lines without a net unblended cost): net unblended when every line has one; unblended for
    all, with a note, when none has (the column is absent or empty); a mix is refused, since
    charging some lines net and others unblended miscounts their discounts (twice, when the
    export lists discounts as lines of their own)."""
    measure = config.cost_measure.value
    lines = sum(int(r["bedrock_rows"]) for r in by_file)
    fallback = sum(int(r["measure_fallback_rows"] or 0) for r in by_file)
    if fallback == 0:
        return measure, ""
    if fallback == lines:
        return CostMeasure.UNBLENDED.value, (
            f"the export has no net unblended cost on the Bedrock lines of {config.period} "
            "(line_item_net_unblended_cost is absent or empty): every line is charged at "
            "unblended cost, before discounts"
        )
    first = next(r for r in by_file if int(r["measure_fallback_rows"] or 0))
    raise InputError(
        f"{first['source_file']}: {int(first['measure_fallback_rows']):,} of its "
        f"{int(first['bedrock_rows']):,} Bedrock line items have no net unblended cost "
        f"(line_item_net_unblended_cost absent or NULL) while {lines - fallback:,} Bedrock line "
        f"items of {config.period} have one; charging some lines net and others unblended "
        "miscounts their discounts: re-download the export, or run with --cost-measure unblended"
    )


def _refuse_undated_bedrock_lines(engine: Scan) -> None:
    """A Bedrock line with no billing period belongs to no month: selecting by period would
    drop it without a word, so the run stops naming it (14 reads the export again)."""
    found = engine.fetch("14_undated_bedrock_lines").rows
    if found:
        source_file, line_id, count = found[0]
        more = "" if int(count) == 1 else f" ({int(count):,} Bedrock line items have none)"
        raise InputError(
            f"{source_file}: Bedrock line item {line_id or '(no identity_line_item_id)'} has no "
            f"bill_billing_period_start_date{more}; a chargeback cannot tell which month it "
            "belongs to: fix or re-download the export"
        )


def bad_amount(
    source_file: str, line_id: str | None, cost: str | None, usage: str | None
) -> InputError:
    """The error for the first line 21 found: a cost or usage amount no exact sum can take."""
    where = f"{source_file}: Bedrock line item {line_id or '(no identity_line_item_id)'}"
    fix = "fix or re-download the export"
    if cost is None or not math.isfinite(float(cost)):
        return InputError(f"{where} has cost {cost or 'NULL'}; a chargeback cannot guess it: {fix}")
    if abs(float(cost)) >= COST_LIMIT:
        return InputError(
            f"{where} has cost {cost}, beyond what an exact sum holds (DECIMAL(38, 12): 26 "
            f"digits before the point); a chargeback cannot sum it: {fix}"
        )
    return InputError(f"{where} has usage amount {usage}; a chargeback cannot count it: {fix}")


def to_tag(totals: CurrencyTotals) -> Decimal:
    """The rounded UNATTRIBUTED lines of a currency that someone has to tag or fix: all but
    the offsets of spend a policy shared out (those are not the export's lines)."""
    return sum(
        (
            ln.amount
            for cc in totals.cost_centers
            if cc.is_unattributed
            for ln in cc.lines
            if ln.unattributed_reason != SPLIT_REASON
        ),
        Decimal(0),
    )


def _statement_line(row: dict[str, Any], shared: dict[str, str]) -> StatementLine:
    """``shared``: the texts of the lines made so far (``statements.shared_text``)."""
    text = {name: shared_text(str(row.get(name) or ""), shared) for name in LINE_FIELDS}
    if row.get("log_via"):
        text["description"] = log_evidence(
            str(row["log_via"]), int(row["log_tokens"] or 0), int(row["log_key_tokens"] or 0)
        )
    return StatementLine(
        **cast(dict[str, Any], text),
        usage_amount=Decimal(row["usage_amount"] or 0),
        tokens=None if row.get("tokens") is None else Decimal(row["tokens"]),
        exact_amount=Decimal(row["amount"]),
        line_items=int(row["line_items"]),
    )


#: How a part of an invocation-log split found its cost center, as its description says.
LOG_VIA = {
    "metadata": "requestMetadata",
    "principal_map": "caller's identity ARN in the principal map",
    "untagged": "calls without the cost-center key",
}


def log_evidence(via: str, tokens: int, key_tokens: int) -> str:
    """The description of a part of an invocation-log split: how its callers were known,
    their tokens, all matching tokens and the share."""
    share = Decimal(tokens) * 100 / key_tokens if key_tokens else Decimal(0)
    return (
        f"invocation logs ({LOG_VIA.get(via, via)}): {tokens:,} of {key_tokens:,} tokens, "
        f"{share:.2f}%"
    )
