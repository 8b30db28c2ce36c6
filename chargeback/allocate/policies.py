"""Shared and unattributed cost policies: what happens to spend the rules did not attribute.

Each UNATTRIBUTED statement line is of one ``PolicyKind`` (tax, credits, default-project
usage...). Its kind's policy either keeps it (the default) or splits the pool of such lines,
per currency and line item type, over cost centers: ``proportional`` to their attributed
usage in the period, ``even``, or ``fixed`` percentages. The UNATTRIBUTED lines stay as they
are (each line counted once) and an offset line moves the pool out; each cost center gets an
``allocated share of ...`` line. Splits are exact to 12 decimals by largest remainder, so the
total before and after is the same number; rounding to the cent happens later, once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, localcontext

from chargeback.allocate.invocation_logs import LOG_REASONS
from chargeback.allocate.money import largest_remainder
from chargeback.allocate.statements import UNATTRIBUTED, StatementLine
from chargeback.settings.rules import AllocationRules, Method
from chargeback.taxonomy import KIND_LABELS, PolicyKind, unattributed_kind

#: Exact amounts carry 12 decimals (DECIMAL(38, 12) in the SQL).
EXACT = Decimal("1e-12")
SPLIT_REASON = "allocated_by_policy"


@dataclass(frozen=True)
class PolicySplit:
    """One pool of unattributed spend and where its policy sent it."""

    currency: str
    kind: PolicyKind
    line_item_type: str
    method: Method
    pool: Decimal
    shares: tuple[tuple[str, Decimal], ...]  # (cost center, exact amount)
    #: Why a pool was kept although its policy says split (no basis), else "".
    note: str = ""


def policy_kind(line: StatementLine) -> PolicyKind:
    """The kind of an unattributed line, which picks its policy (``chargeback.taxonomy``)."""
    reason = line.unattributed_reason
    if reason in LOG_REASONS and _is_default_project(line.resource_id):
        reason = "default_project"  # the logs did not explain it: still default-project usage
    return unattributed_kind(line.line_item_type, line.usage_kind, line.usage_type, reason)


def _is_default_project(resource_id: str) -> bool:
    return resource_id.endswith(":project/default") or resource_id == "default"


def apply_policies(
    lines: Sequence[StatementLine], rules: AllocationRules
) -> tuple[list[StatementLine], list[PolicySplit]]:
    """The lines plus the offset and share lines the policies make, and what was split."""
    pools: dict[tuple[str, PolicyKind, str], Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.cost_center != UNATTRIBUTED:
            continue
        kind = policy_kind(line)
        if rules.policy(kind).method is not Method.KEEP:
            pools[(line.currency, kind, line.line_item_type)] += line.exact_amount
    result = list(lines)
    splits: list[PolicySplit] = []
    for (currency, kind, lit), pool in sorted(pools.items()):
        policy = rules.policy(kind)
        weights = _weights(lines, currency, policy.method, policy.shares)
        if not weights:
            note = "no cost center has attributed usage in this currency to split by"
            splits.append(PolicySplit(currency, kind, lit, policy.method, pool, (), note))
            continue
        parts = split_exact(pool, [w for _, w in weights])
        shares = tuple((cc, part) for (cc, _), part in zip(weights, parts, strict=True))
        splits.append(PolicySplit(currency, kind, lit, policy.method, pool, shares))
        result.append(_offset_line(currency, kind, lit, policy.method, pool))
        total_weight = sum((w for _, w in weights), Decimal(0))
        for (cc, weight), part in zip(weights, parts, strict=True):
            result.append(
                _share_line(cc, currency, kind, lit, policy.method, part, weight, total_weight)
            )
    return result, splits


def split_exact(pool: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``pool`` split by ``weights`` (positive), parts to 12 decimals summing to ``pool``."""
    total = sum(weights, Decimal(0))
    with localcontext() as ctx:
        ctx.prec = 60
        raw = [pool * w / total for w in weights]
    return largest_remainder(raw, pool, EXACT)


def _weights(
    lines: Sequence[StatementLine],
    currency: str,
    method: Method,
    shares: tuple[tuple[str, Decimal], ...],
) -> list[tuple[str, Decimal]]:
    """(cost center, weight) for a split, sorted by cost center; empty when there is none."""
    if method is Method.FIXED:
        return list(shares)
    attributed = [
        ln
        for ln in lines
        if ln.currency == currency
        and ln.cost_center != UNATTRIBUTED
        and not ln.attribution_source.startswith("policy_")
    ]
    if method is Method.EVEN:
        return [(cc, Decimal(1)) for cc in sorted({ln.cost_center for ln in attributed})]
    usage: dict[str, Decimal] = defaultdict(Decimal)
    for ln in attributed:
        if ln.usage_kind:
            usage[ln.cost_center] += ln.exact_amount
    return [(cc, w) for cc, w in sorted(usage.items()) if w > 0]


def _offset_line(
    currency: str, kind: PolicyKind, lit: str, method: Method, pool: Decimal
) -> StatementLine:
    return replace(
        StatementLine.blank(UNATTRIBUTED, currency, lit),
        unattributed_reason=SPLIT_REASON,
        exact_amount=-pool,
        attribution_source=f"policy_{method.value}",
        attribution_value=kind.value,
        description=f"{KIND_LABELS[kind]} allocated to cost centers ({method.value})",
    )


def _share_line(
    cost_center: str,
    currency: str,
    kind: PolicyKind,
    lit: str,
    method: Method,
    part: Decimal,
    weight: Decimal,
    total_weight: Decimal,
) -> StatementLine:
    pct = (weight * 100 / total_weight).quantize(Decimal("0.0001"))
    return replace(
        StatementLine.blank(cost_center, currency, lit),
        exact_amount=part,
        attribution_source=f"policy_{method.value}",
        attribution_value=f"{pct.normalize():f}%",
        description=f"allocated share of {KIND_LABELS[kind]}",
    )
