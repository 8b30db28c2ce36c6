"""What the sheets show, as properties: every grouping adds up to the cost center it comes
from, to the cent, whatever the lines."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from chargeback.allocate.allocation import Allocation
from chargeback.allocate.statements import UNATTRIBUTED, StatementLine, build_currency_totals
from chargeback.report.views import statement_groups, summary_rows, tag_coverage
from chargeback.taxonomy import CATEGORIES, category

ITEM_TYPES = ["Usage", "Credit", "Refund", "Tax", "Fee", "EdpDiscount", "SavingsPlanNegation"]


@st.composite
def lines(draw: st.DrawFn) -> StatementLine:
    center = draw(st.sampled_from(["CC-1", "CC-2", "cc-1", UNATTRIBUTED]))
    exact = draw(st.decimals(min_value=-50, max_value=500, places=6, allow_nan=False))
    return StatementLine(
        cost_center=center,
        unattributed_reason="untagged" if center == UNATTRIBUTED else "",
        project_id=draw(st.sampled_from(["", "proj_a", "proj_b", "default"])),
        application="",
        environment="",
        team="",
        owner=draw(st.sampled_from(["", "alice"])),
        usage_account_id=draw(st.sampled_from(["111", "222"])),
        model=draw(st.sampled_from(["", "Nova", "Claude"])),
        usage_type=draw(st.sampled_from(["a-input-tokens", "a-output-tokens", ""])),
        usage_kind=draw(st.sampled_from(["input", "output", "cache_read", ""])),
        line_item_type=draw(st.sampled_from(ITEM_TYPES)),
        pricing_unit="1K tokens",
        currency=draw(st.sampled_from(["USD", "EUR"])),
        resource_id="",
        usage_amount=Decimal(draw(st.integers(0, 10_000))),
        exact_amount=exact,
        line_items=draw(st.integers(1, 5)),
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(lines(), min_size=1, max_size=40))
def test_every_view_adds_up(items: list[StatementLine]) -> None:
    totals = build_currency_totals(items)
    for t in totals:
        rows = summary_rows(t.cost_centers, None)
        assert sum((r.net for r in rows), Decimal(0)) == t.total
        for row, cc in zip(rows, t.cost_centers, strict=True):
            assert sum(row.categories.values(), Decimal(0)) == row.net == cc.amount
            groups = statement_groups(cc.lines)
            assert sum((g.amount for g in groups), Decimal(0)) == cc.amount
            assert sum(len(g.lines) for g in groups) <= len(cc.lines)
            projects = [g.project_id for g in groups]
            assert len(set(projects)) == len(projects)  # each project once, lines together
    allocation = Allocation(tuple(totals), (), (), (), 0, 0, 0)
    for field in ("usage_account_id", "project_id"):
        rows_ = tag_coverage(allocation, field)
        for t in totals:
            mine = [r for r in rows_ if r.currency == t.currency]
            assert sum((r.total for r in mine), Decimal(0)) == t.total
            assert sum((r.attributed for r in mine), Decimal(0)) == t.attributed


def test_line_item_types_map_to_summary_columns() -> None:
    assert [category(t) for t in ITEM_TYPES] == [
        "gross_usage",
        "credits",
        "refunds",
        "tax",
        "fees",
        "discounts",
        "discounts",
    ]
    assert category("BundledDiscount") == "discounts"
    assert category("SavingsPlanRecurringFee") == "fees"
    assert category("SomethingNew") == "fees"
    assert set(CATEGORIES) == {category(t) for t in ITEM_TYPES}
