"""Settings that match nothing: a cost-center tag no Bedrock line carries, a mapping table
none of its keys finds. Either one silently sends the month to UNATTRIBUTED, so it is
reported (run.json, stderr, the Lambda's log line, the workbook's Tag coverage sheet) with
what the lines do carry; with ``strict`` it stops the run.

Only settings that can match are checked: the tag when a tag rule is in the order, a table
when it was given. Key names are export data: control characters are shown escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from chargeback.allocate.engine import Engine
from chargeback.errors import message_text
from chargeback.settings.model import RunConfig
from chargeback.settings.rules import TABLE_RULES, TAG_RULES, Rule

#: How many tag keys a message names (all of them are in run.json and the workbook).
SHOWN_KEYS = 8
#: A key whose name is at least this close (Jaro-Winkler, 0-1) to the one asked for is named
#: as the key probably meant.
CLOSE = 0.85

_TABLE_KEYS = {
    Rule.RESOURCE_MAP: "project ids (proj_abc123) or resource ARNs",
    Rule.PRINCIPAL_MAP: "IAM principal ARNs, or role ARNs for their sessions",
    Rule.ACCOUNT_MAP: "12-digit usage account ids",
}


@dataclass(frozen=True)
class TagKeyShare:
    """A tag key the period's Bedrock lines carry (with a value), in one currency."""

    currency: str
    key: str
    line_items: int
    amount: Decimal
    share_pct: Decimal
    #: How close the key's name is to the cost-center tag asked for (Jaro-Winkler, 0-1).
    closeness: float


@dataclass(frozen=True)
class Unmatched:
    """A setting that found no value on any Bedrock line of the period."""

    #: ``cost_center_tag``, or the table's key: ``attribution.resource_map`` ...
    setting: str
    #: The tag key as configured, or the table's file.
    value: str
    #: The rules of the order that found nothing because of it.
    rules: tuple[str, ...]
    message: str
    #: For the tag: the keys the lines carry, largest share first per currency.
    tag_keys: tuple[TagKeyShare, ...] = ()


def rule_matches(engine: Engine) -> dict[str, int]:
    """Bedrock line items each rule finds a value for (``line_items``: all of them)."""
    row = engine.fetch("34_rule_matches").dicts()[0]
    return {name: int(value) for name, value in row.items()}


def unmatched_settings(
    engine: Engine, config: RunConfig, matches: dict[str, int], legacy_columns: Sequence[str] = ()
) -> tuple[Unmatched, ...]:
    """The cost-center tag and the tables that match none of the period's Bedrock lines.
    ``legacy_columns``: a legacy export's tag columns (only the keys asked for are read into
    the maps, so they are named without their share)."""
    lines = matches["line_items"]
    if lines == 0:
        return ()
    rules = config.rules
    found: list[Unmatched] = []
    tag_rules = tuple(r.value for r in rules.order if r in TAG_RULES)
    if tag_rules and not any(matches[r] for r in tag_rules):
        keys = tag_keys(engine, config)
        found.append(
            Unmatched(
                "cost_center_tag",
                config.cost_center_tag,
                tag_rules,
                _tag_message(config, lines, tag_rules, keys, legacy_columns),
                keys,
            )
        )
    for rule in TABLE_RULES:
        table = rules.files.get(rule.value)
        if rule in rules.order and table is not None and not matches[rule.value]:
            rows = len(getattr(rules, rule.value))
            found.append(
                Unmatched(
                    f"attribution.{rule.value}",
                    table,
                    (rule.value,),
                    f"the {rule.value} table {message_text(table, 500)} ({rows:,} rows) matches "
                    f"none of the {lines:,} Bedrock line items of {config.period}: its keys must "
                    f"be {_TABLE_KEYS[rule]}; compare them with the workbook's Unattributed "
                    "worklist",
                )
            )
    return tuple(found)


def tag_keys(engine: Engine, config: RunConfig) -> tuple[TagKeyShare, ...]:
    """Every tag key the period's Bedrock lines carry, with its share of spend (35)."""
    params = {
        "period_start": config.period.start,
        "period_end": config.period.end,
        "measure": config.cost_measure.value,
        "key": config.cost_center_tag,
    }
    return tuple(
        TagKeyShare(
            currency=str(r["currency"]),
            key=str(r["key"]),
            line_items=int(r["line_items"]),
            amount=Decimal(r["amount"] or 0),
            share_pct=Decimal(r["share_pct"] or 0),
            closeness=float(r["closeness"] or 0.0),
        )
        for r in engine.fetch("35_tag_keys", params).dicts()
    )


def _tag_message(
    config: RunConfig,
    lines: int,
    rules: tuple[str, ...],
    keys: tuple[TagKeyShare, ...],
    legacy_columns: Sequence[str],
) -> str:
    head = (
        f"the cost-center tag '{message_text(config.cost_center_tag)}' matches no tag key of the "
        f"{lines:,} Bedrock line items of {config.period} ({', '.join(rules)} found nothing)"
    )
    if not keys and legacy_columns:
        names = sorted(legacy_columns)
        listing = ", ".join(message_text(c) for c in names[:SHOWN_KEYS])
        more = f" and {len(names) - SHOWN_KEYS} more" if len(names) > SHOWN_KEYS else ""
        return (
            f"{head}; the export's tag columns: {listing}{more}: set --cost-center-tag "
            "(cost_center_tag in chargeback.toml) to the key as written in AWS, e.g. "
            "CostCenter for resource_tags_user_cost_center"
        )
    if not keys:
        return (
            f"{head}; the lines carry no tags at all: activate the tag as a cost allocation tag "
            "in the Billing console, or attribute the lines with a mapping table"
        )
    best: dict[str, TagKeyShare] = {}
    for k in keys:  # a key's largest share over the currencies
        if k.key not in best or k.share_pct > best[k.key].share_pct:
            best[k.key] = k
    ranked = sorted(best.values(), key=lambda k: (-k.share_pct, k.key))
    listing = ", ".join(f"{message_text(k.key)} {k.share_pct}%" for k in ranked[:SHOWN_KEYS])
    more = f" and {len(ranked) - SHOWN_KEYS} more" if len(ranked) > SHOWN_KEYS else ""
    closest = max(ranked, key=lambda k: (k.closeness, k.share_pct))
    hint = f"closest key: {message_text(closest.key)}; " if closest.closeness >= CLOSE else ""
    return (
        f"{head}; {hint}keys the lines carry, with their share of Bedrock spend: "
        f"{listing}{more}: set --cost-center-tag (cost_center_tag in chargeback.toml) to the "
        "key as written in AWS; keys are matched exactly, case included"
    )
