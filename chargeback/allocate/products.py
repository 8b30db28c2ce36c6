"""The month's Bedrock products named by the Bedrock taxonomy, once each.

24 lists the distinct products of the period's groups, ``bedrock_taxonomy.classify`` names
each (with the descriptions that size Marketplace "Units", which 13 keeps in the groups; 25
reads them from the export again only when a group's lines disagree),
and 26 joins the names back onto every group as ``bedrock_lines``: the one place a
model, token kind or charge kind is decided. What the taxonomy cannot name is kept here, to
be reported (``run.json`` ``taxonomy``, a warning, the workbook), never guessed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Protocol

from chargeback.allocate.engine import Engine, Rows
from chargeback.allocate.money import round_money
from chargeback.allocate.statements import StatementLine
from chargeback.bedrock_taxonomy import Classification, Product, classify
from chargeback.errors import message_text

_PRODUCT_FIELDS = (
    "line_item_type",
    "usage_type",
    "billing_entity",
    "product_model",
    "inference_type",
    "feature",
    "product_name",
    "pricing_unit",
)
MARKETPLACE_UNIT = "Units"


class Reads(Protocol):
    """What fetches from the export: the DuckDB engine, or Spark's scan (``allocation.Scan``
    adds ``execute`` to this)."""

    def fetch(self, name: str, params: Mapping[str, Any] | None = None) -> Rows: ...


@dataclass(frozen=True)
class Unnamed:
    """A usage type the taxonomy could not fully name, with its spend per currency."""

    usage_type: str
    billing_entity: str
    model: str
    reason: str
    spend: dict[str, Decimal] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "usage_type": self.usage_type,
            "billing_entity": self.billing_entity,
            "model": self.model,
            "reason": self.reason,
            "spend": {c: str(a) for c, a in sorted(self.spend.items())},
        }


@dataclass(frozen=True)
class ProductNames:
    """What the taxonomy named in a run, and what it could not."""

    products: int = 0
    #: Usage types with no canonical model or charge kind (or a model not in the table).
    unknown: tuple[Unnamed, ...] = ()
    #: Token usage types whose pricing unit the table cannot size: their tokens are not
    #: counted in unit economics (their cost is).
    unsized: tuple[Unnamed, ...] = ()

    def with_spend(self, lines: Iterable[StatementLine]) -> ProductNames:
        """The same, each entry with the spend of its usage type and model per currency."""
        spend: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for line in lines:
            spend[(line.usage_type, line.model)][line.currency] += line.exact_amount

        def filled(entries: tuple[Unnamed, ...]) -> tuple[Unnamed, ...]:
            return tuple(
                Unnamed(
                    e.usage_type,
                    e.billing_entity,
                    e.model,
                    e.reason,
                    {c: round_money(a) for c, a in spend[(e.usage_type, e.model)].items()},
                )
                for e in entries
            )

        return ProductNames(self.products, filled(self.unknown), filled(self.unsized))

    def warnings(self) -> list[str]:
        """One line per kind of gap, naming up to five usage types."""
        out = []
        for entries, what, effect in (
            (
                self.unknown,
                "the Bedrock taxonomy does not know",
                "their lines keep the export's own names",
            ),
            (
                self.unsized,
                "are tokens in a unit the Bedrock taxonomy cannot size",
                "unit economics counts their cost but not their tokens",
            ),
        ):
            if not entries:
                continue
            names = ", ".join(
                f"{message_text(e.usage_type) or '(no usage type)'} ({message_text(e.reason, 100)})"
                for e in entries[:5]
            )
            more = f" and {len(entries) - 5} more" if len(entries) > 5 else ""
            out.append(
                f"{len(entries)} usage type(s) {what}: {names}{more}; {effect} (run.json "
                "taxonomy lists them): add them to chargeback/bedrock_taxonomy.toml"
            )
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "products": self.products,
            "unknown": [e.to_json() for e in self.unknown],
            "unsized_units": [e.to_json() for e in self.unsized],
        }


def name_products(engine: Engine, period: dict[str, Any], scan: Reads) -> ProductNames:
    """Name every product of ``bedrock_groups`` and create ``bedrock_lines`` (24 to 26).
    ``period``: the ``period_start`` and ``period_end`` parameters; ``scan``: the engine that
    reads the export (``engine`` itself, or Spark's scan), for 25."""
    rows = engine.fetch("24_bedrock_products").dicts()
    products = [Product(**{f: str(r[f] or "") for f in _PRODUCT_FIELDS}) for r in rows]
    descriptions = _unit_descriptions(scan, period, rows)
    names = [
        _sized(product, descriptions.get((str(r["product_code"]), product.usage_type), []))
        for product, r in zip(products, rows, strict=True)
    ]
    params: dict[str, list[Any]] = {
        plural: [r[f] for r in rows]
        for f, plural in (
            ("line_item_type", "line_item_types"),
            ("usage_type", "usage_types"),
            ("billing_entity", "billing_entities"),
            ("product_code", "product_codes"),
            ("product_model", "product_models"),
            ("inference_type", "inference_types"),
            ("feature", "features"),
            ("product_name", "product_names"),
            ("pricing_unit", "pricing_units"),
        )
    }
    params |= {
        "models": [n.model for n in names],
        "providers": [n.provider for n in names],
        "token_kinds": [n.token_kind for n in names],
        "charge_kinds": [n.charge_kind for n in names],
        "service_tiers": [n.service_tier for n in names],
        "cross_regions": [n.cross_region for n in names],
        "tokens_per_unit": [n.tokens_per_unit for n in names],
        "usage_kinds": [n.usage_kind for n in names],
    }
    engine.execute("26_bedrock_lines", params)
    return ProductNames(
        products=len(rows),
        unknown=_distinct(products, names, lambda n: n.unknown),
        unsized=_distinct(
            products,
            names,
            lambda n: f"pricing unit {n.unsized_unit!r} is not sized" if n.unsized_unit else "",
        ),
    )


def _unit_descriptions(
    scan: Reads, period: dict[str, Any], rows: list[dict[str, Any]]
) -> dict[tuple[str, str], list[str]]:
    """(product code, usage type) -> the line item descriptions of the month's Marketplace
    lines priced in Units: those 13 kept in the groups (24 lists them per product), or, when
    a group's lines disagree (13 kept only their least and greatest), all of them read again
    from the export (25)."""
    units = [
        r
        for r in rows
        if r["billing_entity"] == "AWS Marketplace" and r["pricing_unit"] == MARKETPLACE_UNIT
    ]
    if not units:
        return {}
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    if any(r["unit_descriptions_partial"] for r in units):
        codes = sorted({str(r["product_code"]) for r in units})
        for code, usage_type, description in scan.fetch(
            "25_unit_descriptions", {**period, "codes": codes}
        ).rows:
            found[(str(code), str(usage_type))].add(str(description))
    else:
        for r in units:
            for description in r["unit_descriptions"] or ():
                found[(str(r["product_code"]), str(r["usage_type"]))].add(str(description))
    return {key: sorted(descriptions) for key, descriptions in found.items()}


def _sized(product: Product, descriptions: list[str]) -> Classification:
    """The product named, its Marketplace unit sized by its lines' descriptions when they all
    say the same size (descriptions that disagree, or none, leave the unit unsized)."""
    plain = classify(product)
    if not descriptions or plain.tokens_per_unit is not None or not plain.token_kind:
        return plain
    named = [classify(replace(product, unit_description=d)) for d in descriptions]
    sizes = {n.tokens_per_unit for n in named}
    if len(sizes) == 1 and None not in sizes:
        return named[0]
    return plain


def _distinct(
    products: list[Product], names: list[Classification], reason: Any
) -> tuple[Unnamed, ...]:
    found: dict[tuple[str, str, str], Unnamed] = {}
    for product, name in zip(products, names, strict=True):
        why = reason(name)
        if why:
            entry = Unnamed(product.usage_type, product.billing_entity, name.model, why)
            found.setdefault((entry.usage_type, entry.billing_entity, entry.model), entry)
    return tuple(found[k] for k in sorted(found))
