"""Why each dollar landed where it did: attribution summaries for run.json and ``coverage``.

Everything here reads the already-rounded statement lines of an ``Allocation``, so the
figures it shows add up exactly to the statements.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chargeback.allocate.allocation import Allocation
from chargeback.allocate.policies import policy_kind
from chargeback.allocate.statements import UNATTRIBUTED
from chargeback.settings.model import RunConfig

INVALID_REASONS = ("invalid_cost_center", "inactive_cost_center")


@dataclass(frozen=True)
class CoverageRow:
    """Spend of one currency that one rule attributed, or that stays unattributed."""

    currency: str
    outcome: str  # "attributed" | "unattributed" | "split"
    source: str  # rule, policy_<method>, or the unattributed reason
    amount: Decimal
    line_items: int
    share_pct: Decimal


def coverage(allocation: Allocation) -> list[CoverageRow]:
    """Per currency: amount per attribution rule, per policy, and per unattributed reason.

    The rows partition the export's total: what rules attributed, what policies split onto
    cost centers, what was found unattributed (per reason) and, negative, what the policies
    moved out of UNATTRIBUTED (``allocated_by_policy``).
    """
    rows: list[CoverageRow] = []
    for totals in allocation.totals:
        groups: dict[tuple[str, str], list[Decimal | int]] = defaultdict(lambda: [Decimal(0), 0])
        for cc in totals.cost_centers:
            for ln in cc.lines:
                if cc.is_unattributed:
                    key = ("unattributed", ln.unattributed_reason)
                elif ln.attribution_source.startswith("policy_"):
                    key = ("split", ln.attribution_source)
                else:
                    key = ("attributed", ln.attribution_source)
                groups[key][0] += ln.amount
                groups[key][1] += ln.line_items
        order = {"attributed": 0, "split": 1, "unattributed": 2}
        for (outcome, source), (amount, count) in sorted(
            groups.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])
        ):
            value = Decimal(amount)
            pct = (
                (value * 100 / totals.total).quantize(Decimal("0.01"))
                if totals.total
                else Decimal(0)
            )
            rows.append(CoverageRow(totals.currency, outcome, source, value, int(count), pct))
    return [r for r in rows if r.amount or r.line_items]


def invalid_cost_centers(allocation: Allocation) -> list[dict[str, str]]:
    """Codes found by a rule that the master list refuses, largest first, to be fixed."""
    found: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for ln in allocation.lines:
        if ln.unattributed_reason in INVALID_REASONS:
            found[(ln.currency, ln.attribution_value, ln.unattributed_reason)] += ln.amount
    ordered = sorted(found.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1]))
    return [
        {"value": value, "reason": reason, "currency": currency, "amount": f"{amount:.2f}"}
        for (currency, value, reason), amount in ordered
    ]


def attribution_info(config: RunConfig, allocation: Allocation) -> dict[str, Any]:
    """The ``attribution`` block of run.json."""
    rules = config.rules
    return {
        "config_file": config.config_file,
        "order": [r.value for r in rules.order],
        "rule_matches": dict(allocation.rule_matches),
        "tables": dict(rules.files),
        "master_cost_centers": len(rules.master),
        "aliases": len(rules.aliases),
        "policies": {k.value: p.method.value for k, p in sorted(rules.policies.items())},
        "coverage": [
            {
                "currency": r.currency,
                "outcome": r.outcome,
                "source": r.source,
                "amount": f"{r.amount:.2f}",
                "line_items": r.line_items,
            }
            for r in coverage(allocation)
        ],
        "invalid_cost_centers": invalid_cost_centers(allocation),
        "splits": [
            {
                "currency": s.currency,
                "kind": s.kind.value,
                "line_item_type": s.line_item_type,
                "method": s.method.value,
                "pool_exact": str(s.pool.normalize()),
                "shares_exact": {cc: str(a.normalize()) for cc, a in s.shares},
                "note": s.note,
            }
            for s in allocation.splits
        ],
    }


def unattributed_kinds(allocation: Allocation) -> dict[tuple[str, str], Decimal]:
    """(currency, policy kind) -> unattributed amount found, before any policy."""
    out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for ln in allocation.lines:
        if ln.cost_center == UNATTRIBUTED and not ln.attribution_source.startswith("policy_"):
            out[(ln.currency, policy_kind(ln).value)] += ln.amount
    return dict(out)
