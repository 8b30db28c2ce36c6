"""The result of a run as the outputs need it: exact amounts rounded once, consistently.

Rounding is hierarchical, per currency: the export's Bedrock total is rounded to the cent;
cost centers (UNATTRIBUTED included) are rounded by largest remainder to add up to it; each
cost center's lines are rounded to add up to that cost center. Every breakdown on the
Reconciliation sheet is rounded to the same total. So every sum an accountant makes in the
outputs comes out to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from decimal import Decimal
from typing import Any

from chargeback.allocate.money import largest_remainder, round_money, shares_pct

UNATTRIBUTED = "UNATTRIBUTED"

#: Statement line columns, in output order (the lines CSV contract, then extras).
LINE_FIELDS: tuple[str, ...] = (
    "cost_center",
    "unattributed_reason",
    "project_id",
    "application",
    "environment",
    "team",
    "owner",
    "usage_account_id",
    "model",
    "usage_type",
    "usage_kind",
    "line_item_type",
    "pricing_unit",
    "currency",
    "resource_id",
    "attribution_source",
    "attribution_value",
    "description",
    "provider",
    "token_kind",
    "charge_kind",
    "service_tier",
    "cross_region",
)


def shared_text(text: str, shared: dict[str, str]) -> str:
    """``text`` as the one object ``shared`` holds for it (added when new): equal texts of a
    month's lines and days (a model, a currency, a cost center on each of its lines) are then
    one object, not one per row, where many cost centers made them most of the run's memory
    (issue 19)."""
    return shared.setdefault(text, text)


@dataclass(frozen=True)
class StatementLine:
    """Aggregated Bedrock lines that a statement shows as one row."""

    cost_center: str
    unattributed_reason: str
    project_id: str
    application: str
    environment: str
    team: str
    owner: str
    usage_account_id: str
    model: str
    usage_type: str
    usage_kind: str
    line_item_type: str
    pricing_unit: str
    currency: str
    resource_id: str
    usage_amount: Decimal
    exact_amount: Decimal
    line_items: int
    amount: Decimal = Decimal(0)
    #: The rule that charged the line (resource_tag, principal_tag, resource_map,
    #: principal_map, account_map, policy_<method>) or ``none``; the value it found.
    attribution_source: str = "none"
    attribution_value: str = ""
    #: Text for lines the tool made (``allocated share of default-project usage``).
    description: str = ""
    #: What the Bedrock taxonomy names the line (chargeback/bedrock_taxonomy.py): "" where
    #: it does not apply (tax, credits, the tool's own lines).
    provider: str = ""
    token_kind: str = ""
    charge_kind: str = ""
    service_tier: str = ""
    cross_region: str = ""
    #: The usage in tokens; None when the line is not tokens or its unit is unsized.
    tokens: Decimal | None = None

    @classmethod
    def blank(cls, cost_center: str, currency: str, line_item_type: str) -> StatementLine:
        """A line with no usage and no amount, for the tool's own lines (policy splits)."""
        text: dict[str, Any] = {
            f.name: "" for f in fields(cls) if f.type == "str" and f.default is MISSING
        }
        text.update(cost_center=cost_center, currency=currency, line_item_type=line_item_type)
        return cls(**text, usage_amount=Decimal(0), exact_amount=Decimal(0), line_items=0)


@dataclass(frozen=True)
class CostCenterTotal:
    """One row of the summary: what one cost center owes in one currency."""

    cost_center: str
    currency: str
    amount: Decimal
    exact_amount: Decimal
    share_pct: Decimal
    owners: tuple[str, ...]
    teams: tuple[str, ...]
    lines: tuple[StatementLine, ...]

    @property
    def is_unattributed(self) -> bool:
        return self.cost_center == UNATTRIBUTED


@dataclass(frozen=True)
class Breakdown:
    """A rounded partition of a currency's total (by line item type, by invoice...)."""

    keys: tuple[str, ...]
    currency: str
    amount: Decimal
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CurrencyTotals:
    """The export's Bedrock total in one currency and the statements that add up to it."""

    currency: str
    exact_total: Decimal
    total: Decimal
    cost_centers: tuple[CostCenterTotal, ...]

    @property
    def attributed(self) -> Decimal:
        return sum((c.amount for c in self.cost_centers if not c.is_unattributed), Decimal(0))

    @property
    def unattributed(self) -> Decimal:
        return sum((c.amount for c in self.cost_centers if c.is_unattributed), Decimal(0))


def build_currency_totals(lines: Iterable[StatementLine]) -> list[CurrencyTotals]:
    """Group lines by currency and cost center and round them all, largest remainder."""
    by_currency: dict[str, dict[str, list[StatementLine]]] = defaultdict(lambda: defaultdict(list))
    for line in lines:
        by_currency[line.currency][line.cost_center].append(line)
    result = []
    for currency in sorted(by_currency):
        groups = by_currency[currency]
        names = sorted(groups, key=lambda n: (n == UNATTRIBUTED, n))
        exact = [sum((ln.exact_amount for ln in groups[n]), Decimal(0)) for n in names]
        exact_total = sum(exact, Decimal(0))
        total = round_money(exact_total)
        rounded = largest_remainder(exact, total)
        shares = shares_pct(rounded)
        centers = []
        for name, ex, amount, share in zip(names, exact, rounded, shares, strict=True):
            members = groups[name]
            line_amounts = largest_remainder([ln.exact_amount for ln in members], amount)
            final = tuple(_with_amount(ln, a) for ln, a in zip(members, line_amounts, strict=True))
            centers.append(
                CostCenterTotal(
                    cost_center=name,
                    currency=currency,
                    amount=amount,
                    exact_amount=ex,
                    share_pct=share,
                    owners=_distinct(ln.owner for ln in members),
                    teams=_distinct(ln.team for ln in members),
                    lines=final,
                )
            )
        result.append(CurrencyTotals(currency, exact_total, total, tuple(centers)))
    return result


def rounded_breakdown(
    rows: Sequence[dict[str, Any]],
    key_fields: Sequence[str],
    totals: Sequence[CurrencyTotals],
    targets: Mapping[str, Decimal] | None = None,
) -> list[Breakdown]:
    """Round query rows (with ``currency`` and exact ``amount``) to each currency's total,
    or to ``targets[currency]`` when given (a part of the total, such as UNATTRIBUTED)."""
    target = dict(targets) if targets is not None else {t.currency: t.total for t in totals}
    result: list[Breakdown] = []
    for currency in sorted({r["currency"] for r in rows}):
        members = [r for r in rows if r["currency"] == currency]
        amounts = largest_remainder([Decimal(r["amount"]) for r in members], target[currency])
        for row, amount in zip(members, amounts, strict=True):
            keys = tuple(str(row[k]) for k in key_fields)
            extra = {k: v for k, v in row.items() if k not in (*key_fields, "currency", "amount")}
            result.append(Breakdown(keys, currency, amount, extra))
    return result


def _with_amount(line: StatementLine, amount: Decimal) -> StatementLine:
    """``line`` with its rounded amount: a copy of its fields (it was checked when it was
    made; run for every line of the month, so without the constructor's keyword binding)."""
    new = object.__new__(StatementLine)
    new.__dict__.update(line.__dict__, amount=amount)
    return new


def _distinct(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({v for v in values if v}))
