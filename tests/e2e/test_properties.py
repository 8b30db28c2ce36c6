"""Properties over random exports, through the real pipeline (Parquet -> DuckDB -> rules ->
policies -> rounding): nothing created or lost.

The first property runs random exports (other months, other services, currencies, odd tags)
through ``run``: statements plus unattributed equal the export total per currency, and every
line item is counted once.

The second: whatever the lines, tags, tables and policies, statements add up to the export.
Random Bedrock line sets (usage, tax, credits, fees, provisioned throughput; tagged, typo'd,
aliased, default project, principal-tagged, account-mapped) and random policies go through
the allocation. The sum of all statements must equal the export's Bedrock total to the cent,
each line item must be counted exactly once, and no cost center outside the master list may
appear.
"""

from __future__ import annotations

import csv
import tempfile
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chargeback.allocate.allocation import Allocation, allocate
from chargeback.allocate.engine import Engine
from chargeback.allocate.money import round_money
from chargeback.allocate.statements import UNATTRIBUTED
from chargeback.pipeline import run
from chargeback.read.schema import canonical_relation, detect_schema
from chargeback.read.sources import open_source
from chargeback.settings.model import Period, RunConfig
from chargeback.settings.rules import AllocationRules, CostCenter, Method, Policy, Rule
from chargeback.taxonomy import PolicyKind
from tests.support.builders import PROJECT, cur2_row, write

# -- through the whole run ------------------------------------------------------------------------

costs = st.decimals(min_value=-1000, max_value=10_000, places=10, allow_nan=False).map(float)
tags = st.one_of(
    st.none(),
    st.just(""),
    st.just("  "),
    st.sampled_from(["CC-1", " CC-1", "CC-2"]),
    st.text(min_size=1, max_size=12),
)
resources = st.one_of(
    st.none(),
    st.just(PROJECT + "default"),
    st.just(PROJECT + "proj_a"),
    st.just("arn:aws:bedrock:us-east-1:1:application-inference-profile/x"),
)


@st.composite
def line(draw: st.DrawFn) -> dict[str, Any]:
    bedrock = draw(st.booleans()) or draw(st.booleans())
    tag = draw(tags)
    return cur2_row(
        period=draw(st.sampled_from(["2026-10", "2026-10", "2026-09"])),
        cost=draw(costs),
        line_item_product_code="AmazonBedrock" if bedrock else "AmazonEC2",
        product_product_family="Amazon Bedrock" if bedrock else "Compute",
        line_item_line_item_type=draw(st.sampled_from(["Usage", "Usage", "Credit", "Tax"])),
        line_item_currency_code=draw(st.sampled_from(["USD", "USD", "EUR"])),
        line_item_resource_id=draw(resources),
        resource_tags=None if tag is None else {"user_cost_center": tag},
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line(), min_size=1, max_size=30))
def test_statements_plus_unattributed_equal_the_export_total(rows: list[dict[str, Any]]) -> None:
    if not any(r["bill_billing_period_start_date"].month == 10 for r in rows):
        rows.append(cur2_row(cost=1.0))
    exact: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if r["line_item_product_code"] == "AmazonBedrock" and (
            r["bill_billing_period_start_date"].month == 10
        ):
            exact[r["line_item_currency_code"]] += Decimal(repr(r["line_item_net_unblended_cost"]))
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp) / "e" / "a.parquet", rows)
        config = RunConfig(
            source=str(Path(tmp) / "e"), period=Period.parse("2026-10"), out=str(Path(tmp) / "out")
        )
        result = run(config)
        with Path(result.outputs["summary"]).open(newline="", encoding="utf-8") as h:
            summary = list(csv.DictReader(h))
        with Path(result.outputs["lines"]).open(newline="", encoding="utf-8") as h:
            lines = list(csv.DictReader(h))
    got: dict[str, Decimal] = defaultdict(Decimal)
    for r in summary:
        got[r["currency"]] += Decimal(r["amount"])
    assert dict(got) == {c: round_money(v) for c, v in exact.items()}
    per_center: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for ln in lines:
        per_center[(ln["currency"], ln["cost_center"])] += Decimal(ln["amount"])
    assert per_center == {(r["currency"], r["cost_center"]): Decimal(r["amount"]) for r in summary}
    assert sum(int(ln["line_items"]) for ln in lines) == sum(
        1
        for r in rows
        if r["line_item_product_code"] == "AmazonBedrock"
        and r["bill_billing_period_start_date"].month == 10
    )


# -- rules and policies, through the allocation --------------------------------------------------

MASTER = (
    CostCenter("CC-1"),
    CostCenter("CC-2"),
    CostCenter("CC-3"),
    CostCenter("CC-9", active=False),
)
TAG_VALUES = [None, "", "CC-1", " cc-2 ", "cc3", "CC-4", "CC-9", "=cmd()"]
ACCOUNTS = ["111111111111", "222222222222"]

line_types = st.sampled_from(["Usage", "Usage", "Usage", "Tax", "Credit", "Refund", "Fee"])
amounts = st.decimals(min_value=Decimal("-50"), max_value=Decimal("500"), places=6)


@st.composite
def bedrock_rows(draw: st.DrawFn) -> dict[str, Any]:
    lit = draw(line_types)
    cost = draw(amounts)
    if lit == "Credit" or lit == "Refund":
        cost = -abs(cost)
    fields: dict[str, Any] = {
        "line_item_line_item_type": lit,
        "line_item_usage_account_id": draw(st.sampled_from(ACCOUNTS)),
        "line_item_currency_code": draw(st.sampled_from(["USD", "USD", "EUR"])),
        "line_item_usage_type": draw(
            st.sampled_from(
                [
                    "USE1-NovaPro-input-tokens",
                    "USE1-Claude4.6Sonnet-output-tokens",
                    "USE1-ProvisionedThroughput-ModelUnits",
                ]
            )
        ),
    }
    if lit == "Usage":
        project = draw(st.sampled_from(["default", "proj_a", "proj_b", "proj_c", None]))
        if project is not None:
            fields["line_item_resource_id"] = PROJECT + project
        tag = draw(st.sampled_from(TAG_VALUES))
        if tag is not None:
            fields["resource_tags"] = {"user_cost_center": tag}
        ptag = draw(st.sampled_from(TAG_VALUES))
        if ptag is not None:
            fields["line_item_iam_principal"] = "arn:aws:iam::111111111111:user/u"
            fields["tags"] = {"iamPrincipal/CostCenter": ptag}
    return cur2_row(cost=float(cost), **fields)


@st.composite
def policies(draw: st.DrawFn) -> dict[PolicyKind, Policy]:
    result = {}
    for kind in PolicyKind:
        method = draw(st.sampled_from(list(Method)))
        if method is Method.FIXED:
            first = draw(st.integers(min_value=1, max_value=99))
            result[kind] = Policy(
                method, (("CC-1", Decimal(first)), ("CC-3", Decimal(100 - first)))
            )
        else:
            result[kind] = Policy(method)
    return result


def allocate_rows(folder: Path, rows: list[dict[str, Any]], rules: AllocationRules) -> Allocation:
    write(folder / "part.parquet", rows)
    config = RunConfig(str(folder), Period.parse("2026-10"), str(folder / "out"), rules=rules)
    source = open_source(config.source, config.period)
    schema = detect_schema(source.files, [config.cost_center_tag])
    engine = Engine(threads=1)
    try:
        engine.register_cur(canonical_relation(source.relation(engine.con), schema))
        return allocate(engine, config, {})
    finally:
        engine.close()


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    rows=st.lists(bedrock_rows(), min_size=1, max_size=25),
    chosen=policies(),
    use_master=st.booleans(),
    order=st.permutations(list(Rule)),
)
def test_statements_always_add_up_to_the_export(
    rows: list[dict[str, Any]],
    chosen: dict[PolicyKind, Policy],
    use_master: bool,
    order: list[Rule],
) -> None:
    rules = AllocationRules(
        order=tuple(order),
        master=MASTER if use_master else (),
        aliases={"cc3": "CC-3"},
        account_map={"222222222222": "CC-2"},
        resource_map={"proj_b": "CC-1"},
        policies=chosen,
    )
    with tempfile.TemporaryDirectory() as tmp:
        allocation = allocate_rows(Path(tmp), rows, rules)

    expected: dict[str, Decimal] = Counter()  # type: ignore[assignment]
    for r in rows:
        expected[r["line_item_currency_code"]] += Decimal(str(r["line_item_net_unblended_cost"]))
    assert {t.currency for t in allocation.totals} == set(expected)
    for totals in allocation.totals:
        assert totals.total == cents(expected[totals.currency])
        assert sum(c.amount for c in totals.cost_centers) == totals.total
        for cc in totals.cost_centers:
            assert sum(ln.amount for ln in cc.lines) == cc.amount
        if use_master:
            allowed = {c.code for c in MASTER if c.active} | {UNATTRIBUTED}
            assert {c.cost_center for c in totals.cost_centers} <= allowed

    lines = allocation.lines
    # Each export line is counted once: line counts add up, and the lines the tool made
    # (policy offsets and shares) carry no line items and cancel out exactly.
    assert sum(ln.line_items for ln in lines) == len(rows)
    made = [ln for ln in lines if ln.attribution_source.startswith("policy_")]
    assert all(ln.line_items == 0 for ln in made)
    for currency in expected:
        assert sum(ln.exact_amount for ln in made if ln.currency == currency) == 0
        found = sum(
            ln.exact_amount
            for ln in lines
            if ln.currency == currency and not ln.attribution_source.startswith("policy_")
        )
        assert found == expected[currency]
