"""The Bedrock taxonomy, defined once: what a Bedrock line charges for, however the export
spells it.

The table is data, ``bedrock_taxonomy.toml`` beside this module: every model with its
canonical name, provider and other spellings; the charges that are not a model's tokens
(provisioned throughput, custom model storage and import, guardrails, knowledge bases,
flows, evaluations, AgentCore, data automation); the kinds of token; service tiers;
cross-region scope; and how many tokens a pricing unit holds. ``classify`` applies it to one
*product* (the fields of a line that say what it is), and the run applies it once per distinct
product of the month (``allocate.allocation``), so SQL and Python share one definition: the
SQL joins the classified products back (queries/26_bedrock_lines.sql) and never names a
model itself. A leaf module: standard library only.

How a line is read:

- **charge kind**: the first ``[[charge]]`` whose pattern is in the usage type (or in
  ``product['feature']``); such a line is not tokens.
- **token kind**: for other lines whose usage type or inference type says "token", the first
  ``[[token]]`` pattern in the usage type, else in the inference type.
- **model**: the first of the usage type's model part (``USE1-<model>-input-tokens``: the
  segments before the first descriptor such as ``input``, ``mantle``, ``batch``),
  ``product['model']``, and the Marketplace product name without ``(Amazon Bedrock Edition)``,
  that the table knows, as its canonical name; for a charge, any run of the usage type's
  segments the table knows (``USE1-CustomModelStorage-NovaPro``). When none is known the
  export's own name is kept (``product['model']``, then the Marketplace name, then the usage
  type's part) and the line is *unknown*: reported, never guessed.
- **service tier** and **cross-region scope** of a token line: ``[[tier]]`` and
  ``[[cross_region]]`` patterns in the usage type (tier also in the feature), else
  ``standard`` and ``in_region``.
- **tokens per unit**: ``[units]`` by pricing unit; Marketplace ``Units`` are sized by the
  line item description ("per 1,000 tokens", "1K tokens"), else the unit is *unsized*:
  reported, and the line's tokens are not counted.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from chargeback.taxonomy import is_usage

DATA_FILE = "bedrock_taxonomy.toml"

#: Kinds of token, in the order unit economics shows them.
TOKEN_KINDS: tuple[str, ...] = ("input", "output", "cache_read", "cache_write")
STANDARD = "standard"
IN_REGION = "in_region"

_REGION_PREFIX = re.compile(r"^[A-Z]{2,4}[0-9]{0,2}-(?=.)")
#: A usage-type segment that starts the description after the model's name.
_DESCRIPTOR = re.compile(
    r"^(mantle|batch|cache|input|output|tokens?|provisioned\w*|modelunits?|custommodel\w*"
    r"|images?|video|latency|flex|priority|reserved|standard|cross|global|long|units?"
    r"|hours?|storage)$",
    re.IGNORECASE,
)
_MARKETPLACE_SUFFIX = re.compile(r"\s*\((amazon )?bedrock edition\)\s*$", re.IGNORECASE)
_UNIT_IN_DESCRIPTION = re.compile(
    r"(?:per|/)\s*(\d[\d,]*(?:\.\d+)?)\s*([km])?\s*(?:[a-z]+\s+){0,3}tokens?\b",
    re.IGNORECASE,
)
_SIZED_UNIT = re.compile(r"\b(\d[\d,]*)\s*([km])\s+tokens?\b", re.IGNORECASE)
_MULTIPLIER = {"": 1, "k": 1000, "m": 1_000_000}


def key(name: str) -> str:
    """A spelling as the table matches it: lower case, letters, digits, "." and "+" only."""
    return re.sub(r"[^a-z0-9.+]", "", name.lower())


@dataclass(frozen=True)
class Model:
    name: str
    provider: str


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: re.Pattern[str]
    label: str = ""
    feature: bool = False


@dataclass(frozen=True)
class Table:
    """The taxonomy table, loaded from ``bedrock_taxonomy.toml``."""

    models: Mapping[str, Model]  # key(spelling) -> model
    charges: tuple[Rule, ...]
    tokens: tuple[Rule, ...]
    tiers: tuple[Rule, ...]
    cross_region: tuple[Rule, ...]
    units: Mapping[str, int]  # lower-case pricing unit -> tokens

    def charge_label(self, kind: str) -> str:
        return next((r.label for r in self.charges if r.kind == kind), kind)


def parse_table(data: Mapping[str, Any]) -> Table:
    """The table from the TOML's data; a spelling shared by two models is an error."""
    models: dict[str, Model] = {}
    for entry in data["model"]:
        model = Model(str(entry["name"]), str(entry["provider"]))
        for spelling in (model.name, *entry.get("aliases", ())):
            found = models.setdefault(key(spelling), model)
            if found != model:
                raise ValueError(f"{spelling!r} names both {found.name} and {model.name}")

    def rules(section: str) -> tuple[Rule, ...]:
        return tuple(
            Rule(
                kind=str(r["kind"]),
                pattern=re.compile(str(r["pattern"]), re.IGNORECASE),
                label=str(r.get("label", "")),
                feature=bool(r.get("feature", False)),
            )
            for r in data[section]
        )

    return Table(
        models=models,
        charges=rules("charge"),
        tokens=rules("token"),
        tiers=rules("tier"),
        cross_region=rules("cross_region"),
        units={str(k).lower(): int(v) for k, v in data["units"].items()},
    )


@cache
def table() -> Table:
    """The shipped table."""
    text = (resources.files("chargeback") / DATA_FILE).read_text(encoding="utf-8")
    return parse_table(tomllib.loads(text))


@dataclass(frozen=True)
class Product:
    """What a Bedrock line says it is (13 groups lines by these fields)."""

    line_item_type: str = "Usage"
    usage_type: str = ""
    billing_entity: str = "AWS"
    product_model: str = ""
    product_name: str = ""
    inference_type: str = ""
    feature: str = ""
    pricing_unit: str = ""
    unit_description: str = ""


@dataclass(frozen=True)
class Classification:
    """A product as the taxonomy names it."""

    model: str
    provider: str
    #: input, output, cache_read, cache_write; "" when the line is not tokens.
    token_kind: str
    #: provisioned_throughput, guardrails, ...; "" for a model's tokens and non-usage lines.
    charge_kind: str
    #: standard, flex, priority, batch, reserved, latency_optimized; "" when not tokens.
    service_tier: str
    #: in_region, geo, global; "" when not tokens.
    cross_region: str
    #: Tokens per unit of usage; None when not tokens, or a unit the table cannot size.
    tokens_per_unit: int | None
    #: The statements' kind of usage (taxonomy.USAGE_KINDS); "" when the line is not usage.
    usage_kind: str
    #: Why the line is not fully named ("" when it is): reported, never guessed.
    unknown: str = ""
    #: A token line whose pricing unit the table cannot size (its tokens are not counted).
    unsized_unit: str = ""


def classify(product: Product, taxonomy: Table | None = None) -> Classification:
    """Name one product with the taxonomy (the shipped table unless one is given)."""
    t = taxonomy or table()
    usage_type = product.usage_type.strip()
    marketplace = product.billing_entity == "AWS Marketplace" or "MP:" in usage_type
    rest = _REGION_PREFIX.sub("", usage_type)
    usage = is_usage(product.line_item_type)
    charge = _first(t.charges, usage_type, product.feature) if usage else ""
    says_tokens = "token" in usage_type.lower() or "token" in product.inference_type.lower()
    token = ""
    if usage and not charge and says_tokens:
        token = _first(t.tokens, usage_type) or _first(t.tokens, product.inference_type)
    part = "" if marketplace else _model_part(rest)
    market_name = _MARKETPLACE_SUFFIX.sub("", product.product_name).strip() if marketplace else ""
    spellings = [part, product.product_model.strip(), market_name]
    if charge:
        spellings += _segment_runs(rest)
    model = next((t.models[key(s)] for s in spellings if s and key(s) in t.models), None)
    unknown = ""
    if model is not None:
        name, provider = model.name, model.provider
    else:
        name = product.product_model.strip() or market_name or (part if not charge else "")
        provider = ""
        if usage and name:
            unknown = f"model {name!r} is not in the taxonomy"
        elif usage and not charge:
            unknown = "names no model the taxonomy knows and no charge kind"
    if usage and not charge and not token and not unknown:
        unknown = "is neither tokens of a known kind nor a known charge"
    tier = region = ""
    per_unit: int | None = None
    unsized = ""
    if token:
        tier = _first(t.tiers, usage_type, product.feature, always=True) or STANDARD
        region = _first(t.cross_region, usage_type) or IN_REGION
        per_unit = _tokens_per_unit(t, product.pricing_unit, product.unit_description)
        if per_unit is None:
            unsized = product.pricing_unit or "(no pricing unit)"
    return Classification(
        model=name,
        provider=provider,
        token_kind=token,
        charge_kind=charge,
        service_tier=tier,
        cross_region=region,
        tokens_per_unit=per_unit,
        usage_kind=_usage_kind(usage, charge, token, tier),
        unknown=unknown,
        unsized_unit=unsized,
    )


def _first(rules: Sequence[Rule], text: str, feature: str = "", always: bool = False) -> str:
    for rule in rules:
        if rule.pattern.search(text) or ((rule.feature or always) and rule.pattern.search(feature)):
            return rule.kind
    return ""


def _model_part(rest: str) -> str:
    """The usage type's model: its segments (after the region) before the first descriptor."""
    if ":" in rest:
        return ""
    segments = rest.split("-")
    for i, segment in enumerate(segments):
        if _DESCRIPTOR.match(segment):
            return "-".join(segments[:i])
    return ""


def _segment_runs(rest: str) -> list[str]:
    """Every run of consecutive segments, longest first (a charge's model may sit anywhere)."""
    segments = rest.split("-")
    n = len(segments)
    return [
        "-".join(segments[i : i + size]) for size in range(n, 0, -1) for i in range(n - size + 1)
    ]


def _tokens_per_unit(t: Table, pricing_unit: str, description: str) -> int | None:
    unit = pricing_unit.strip().lower()
    if unit in t.units:
        return t.units[unit]
    if unit == "units" and description:
        found = _UNIT_IN_DESCRIPTION.search(description) or _SIZED_UNIT.search(description)
        if found:
            number = float(found.group(1).replace(",", ""))
            tokens = number * _MULTIPLIER[(found.group(2) or "").lower()]
            if tokens >= 1 and tokens == int(tokens):
                return int(tokens)
    return None


def _usage_kind(usage: bool, charge: str, token: str, tier: str) -> str:
    """The statements' kind of usage (taxonomy.USAGE_KINDS), from the taxonomy's names."""
    if not usage:
        return ""
    if token in ("cache_read", "cache_write"):
        return token
    if charge == "provisioned_throughput":
        return "provisioned_throughput"
    if tier == "batch" and token:
        return "batch_output" if token == "output" else "batch_input"
    if token in ("input", "output"):
        return token
    return "other"
