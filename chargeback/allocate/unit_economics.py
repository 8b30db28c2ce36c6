"""Unit economics: what each cost center's tokens cost, per model and kind of token.

From the rounded statements (``statements.CurrencyTotals``), per currency and cost center:

- one row per model and token kind (input, output, cache read, cache write) with the tokens
  (usage normalized to tokens by the Bedrock taxonomy's unit: 1K tokens, 1M tokens,
  Marketplace units sized by their description), the cost and the cost per 1M tokens;
  tokens in a unit the taxonomy cannot size get a row of their own, with no token figures;
- one row per kind of charge that is not tokens (provisioned throughput, guardrails, ...,
  and tax, credits, policy shares by their line item type or description), so that
- the rows' costs add up to the cost center's total on the statements, to the cent: they
  are rounded once, by largest remainder, to that total.

Per cost center and model, the cache: hit rate (cache-read tokens over all input-side tokens:
input, cache read and cache write) and savings (the cache-read tokens at the model's input
rate, minus what they cost). The model's input rate is what its standard-tier input tokens
cost per token over the whole month in that currency (every cost center's; any tier when it
has no standard ones); with no input tokens of the model, no saving is claimed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chargeback.allocate.money import CENT, largest_remainder, round_money
from chargeback.allocate.statements import CostCenterTotal, CurrencyTotals, StatementLine
from chargeback.bedrock_taxonomy import TOKEN_KINDS

MILLION = Decimal(1_000_000)
#: Cost per 1M tokens is shown to a hundredth of a cent (cheap models cost cents per 1M).
RATE_QUANTUM = Decimal("0.0001")
#: What a row of tokens in a unit the taxonomy cannot size says in place of its tokens.
UNSIZED = "unsized_unit"


@dataclass(frozen=True)
class UnitRow:
    """One model and token kind of a cost center (or one kind of charge that is not tokens)."""

    currency: str
    cost_center: str
    model: str
    #: input, output, cache_read, cache_write; "" for a charge that is not tokens.
    token_kind: str
    #: For a row that is not tokens: what it charges for (provisioned_throughput, tax, ...);
    #: for tokens in a unit the taxonomy cannot size: ``unsized_unit``.
    charge: str
    tokens: Decimal | None
    exact_amount: Decimal
    amount: Decimal
    cost_per_million: Decimal | None
    line_items: int

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "cost_center": self.cost_center,
            "model": self.model,
            "token_kind": self.token_kind,
            "charge": self.charge,
            "tokens": None if self.tokens is None else _number(self.tokens),
            "amount": f"{self.amount:.2f}",
            "cost_per_1m_tokens": None
            if self.cost_per_million is None
            else f"{self.cost_per_million:.4f}",
        }


@dataclass(frozen=True)
class CacheRow:
    """The prompt cache of one model for one cost center."""

    currency: str
    cost_center: str
    model: str
    input_tokens: Decimal
    cache_read_tokens: Decimal
    cache_write_tokens: Decimal
    #: Cache-read tokens over input-side tokens, in percent (None when there are none).
    hit_rate_pct: Decimal | None
    #: Cache-read tokens at the model's input rate minus their cost (None: no input rate).
    savings: Decimal | None

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "cost_center": self.cost_center,
            "model": self.model,
            "input_tokens": _number(self.input_tokens),
            "cache_read_tokens": _number(self.cache_read_tokens),
            "cache_write_tokens": _number(self.cache_write_tokens),
            "cache_hit_rate_pct": None if self.hit_rate_pct is None else f"{self.hit_rate_pct:.2f}",
            "cache_savings": None if self.savings is None else f"{self.savings:.2f}",
        }


@dataclass(frozen=True)
class UnitEconomics:
    rows: tuple[UnitRow, ...] = ()
    cache: tuple[CacheRow, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": [r.to_json() for r in self.rows],
            "cache": [c.to_json() for c in self.cache],
        }


def unit_economics(totals: Sequence[CurrencyTotals]) -> UnitEconomics:
    """Unit economics of every cost center (UNATTRIBUTED included) in every currency."""
    rows: list[UnitRow] = []
    cache: list[CacheRow] = []
    for currency_totals in totals:
        rates = input_rates(ln for cc in currency_totals.cost_centers for ln in cc.lines)
        for cc in currency_totals.cost_centers:
            mine = _rows(cc)
            rows.extend(mine)
            cache.extend(_cache(cc, mine, rates))
    return UnitEconomics(tuple(rows), tuple(cache))


def row_key(line: StatementLine) -> tuple[str, str, str]:
    """(model, token kind, charge): the row of unit economics a statement line goes in."""
    if line.token_kind:
        return line.model, line.token_kind, "" if line.tokens is not None else UNSIZED
    charge = line.charge_kind or line.description or line.line_item_type.lower() or "other"
    if not line.charge_kind and line.usage_kind and not line.description:
        charge = "other_usage"
    return line.model, "", charge


def input_rates(lines: Iterable[StatementLine]) -> dict[str, Decimal]:
    """Each model's input cost per token: its standard-tier input tokens (any tier when it
    has none), exact amounts over every cost center of one currency."""
    sums: dict[tuple[str, bool], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for ln in lines:
        if ln.token_kind == "input" and ln.tokens:
            for standard in {ln.service_tier == "standard", False}:
                sums[(ln.model, standard)][0] += ln.exact_amount
                sums[(ln.model, standard)][1] += ln.tokens
    rates: dict[str, Decimal] = {}
    for (model, standard), (amount, tokens) in sums.items():
        if tokens and (standard or model not in rates):
            rates[model] = amount / tokens
    return rates


def _rows(cc: CostCenterTotal) -> list[UnitRow]:
    groups: dict[tuple[str, str, str], list[StatementLine]] = defaultdict(list)
    for line in cc.lines:
        groups[row_key(line)].append(line)
    keys = sorted(groups, key=_order)
    exact = [sum((ln.exact_amount for ln in groups[k]), Decimal(0)) for k in keys]
    amounts = largest_remainder(exact, cc.amount)
    out = []
    for key, ex, amount in zip(keys, exact, amounts, strict=True):
        model, token_kind, charge = key
        lines = groups[key]
        tokens = (
            sum((ln.tokens or Decimal(0) for ln in lines), Decimal(0))
            if token_kind and charge != UNSIZED
            else None
        )
        rate = round_money(ex / tokens * MILLION, RATE_QUANTUM) if tokens else None
        out.append(
            UnitRow(
                currency=cc.currency,
                cost_center=cc.cost_center,
                model=model,
                token_kind=token_kind,
                charge=charge,
                tokens=tokens,
                exact_amount=ex,
                amount=amount,
                cost_per_million=rate,
                line_items=sum(ln.line_items for ln in lines),
            )
        )
    return out


def _order(key: tuple[str, str, str]) -> tuple[bool, str, int, str]:
    model, token_kind, charge = key
    kind = TOKEN_KINDS.index(token_kind) if token_kind in TOKEN_KINDS else len(TOKEN_KINDS)
    return (not token_kind, model, kind, charge)


def _cache(cc: CostCenterTotal, rows: list[UnitRow], rates: dict[str, Decimal]) -> list[CacheRow]:
    out = []
    models = sorted({r.model for r in rows if r.token_kind and r.tokens is not None})
    for model in models:
        mine = {r.token_kind: r for r in rows if r.model == model and r.tokens is not None}
        tokens = {k: (mine[k].tokens if k in mine else None) or Decimal(0) for k in TOKEN_KINDS}
        if not tokens["cache_read"] and not tokens["cache_write"]:
            continue
        side = tokens["input"] + tokens["cache_read"] + tokens["cache_write"]
        hit = round_money(tokens["cache_read"] * 100 / side) if side else None
        rate = rates.get(model)
        savings = None
        if rate is not None:
            read_cost = mine["cache_read"].exact_amount if "cache_read" in mine else Decimal(0)
            savings = round_money(tokens["cache_read"] * rate - read_cost, CENT)
        out.append(
            CacheRow(
                currency=cc.currency,
                cost_center=cc.cost_center,
                model=model,
                input_tokens=tokens["input"],
                cache_read_tokens=tokens["cache_read"],
                cache_write_tokens=tokens["cache_write"],
                hit_rate_pct=hit,
                savings=savings,
            )
        )
    return out


def _number(value: Decimal) -> str:
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
