"""Properties over random exports, through the whole pipeline: nothing created or lost."""

from __future__ import annotations

import csv
import tempfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chargeback.allocate.money import round_money
from chargeback.pipeline import run
from chargeback.settings.model import Period, RunConfig
from tests.support.builders import PROJECT, cur2_row, write

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
