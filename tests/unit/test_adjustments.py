"""The comparison behind adjustments (issue 18): per cost center and line by line."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from chargeback.allocate.restatement import ADDED, CHANGED, MOVED, REMOVED, compare


def line(project: str, cc: str, amount: str, currency: str = "USD", **kw: str) -> dict[str, str]:
    return {
        "currency": currency,
        "project_id": project,
        "usage_type": kw.pop("usage_type", "USE1-input"),
        "line_item_type": kw.pop("line_item_type", "Usage"),
        "cost_center": cc,
        "amount": amount,
        "attribution_source": "resource_tag",
        "attribution_value": cc,
        **kw,
    }


def test_added_removed_changed_and_moved_lines() -> None:
    closed = [
        line("p1", "CC-1", "10.00"),
        line("p2", "CC-2", "5.00"),
        line("p3", "CC-1", "-1.50", line_item_type="Credit"),
        line("p4", "CC-2", "2.00"),
    ]
    restated = [
        line("p1", "CC-1", "10.00"),  # unchanged
        line("p2", "CC-3", "5.00"),  # tag moved it from CC-2 to CC-3
        line("p4", "CC-2", "2.25"),  # amount changed
        line("p4", "CC-2", "0.40", line_item_type="Tax"),  # added
    ]  # p3's credit removed
    got = compare(closed, restated)
    kinds = {
        (c.key[1], c.key[10], c.cost_center): (c.change, c.before, c.after) for c in got.changes
    }
    assert kinds == {
        ("p2", "Usage", "CC-2"): (MOVED, Decimal("5.00"), Decimal(0)),
        ("p2", "Usage", "CC-3"): (MOVED, Decimal(0), Decimal("5.00")),
        ("p3", "Credit", "CC-1"): (REMOVED, Decimal("-1.50"), Decimal(0)),
        ("p4", "Usage", "CC-2"): (CHANGED, Decimal("2.00"), Decimal("2.25")),
        ("p4", "Tax", "CC-2"): (ADDED, Decimal(0), Decimal("0.40")),
    }
    moved = [c for c in got.changes if c.change == MOVED]
    assert {c.attribution_before for c in moved} == {"CC-2 (resource_tag: CC-2)"}
    assert {c.attribution_after for c in moved} == {"CC-3 (resource_tag: CC-3)"}
    adjustments = {c.cost_center: c.adjustment for c in got.centers}
    assert adjustments == {
        "CC-1": Decimal("1.50"),  # the credit is gone
        "CC-2": Decimal("-5.00") + Decimal("0.25") + Decimal("0.40"),
        "CC-3": Decimal("5.00"),
    }
    assert got.total("USD") == (Decimal("15.50"), Decimal("17.65"))
    assert not got.unchanged


def test_identical_lines_are_no_adjustment() -> None:
    rows = [line("p1", "CC-1", "1.00"), line("p1", "CC-1", "2.00", currency="EUR")]
    got = compare(rows, list(rows))
    assert got.unchanged
    assert got.changes == ()
    assert {(c.currency, c.cost_center, c.closed) for c in got.centers} == {
        ("EUR", "CC-1", Decimal("2.00")),
        ("USD", "CC-1", Decimal("1.00")),
    }


cents = st.integers(min_value=-5000, max_value=50000).map(lambda n: Decimal(n) / 100)
rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(["p1", "p2", "p3", "p4"]),
        st.sampled_from(["CC-1", "CC-2", "CC-3", "UNATTRIBUTED"]),
        st.sampled_from(["USD", "EUR"]),
        st.sampled_from(["Usage", "Tax", "Credit"]),
        cents,
    ),
    max_size=12,
)


def as_rows(spec: list[tuple[str, str, str, str, Decimal]]) -> list[dict[str, str]]:
    return [line(p, cc, f"{a:.2f}", cur, line_item_type=t) for p, cc, cur, t, a in spec]


def sums(spec: list[tuple[str, str, str, str, Decimal]]) -> dict[tuple[str, str], Decimal]:
    """Per (currency, cost center), summed here from the rows written."""
    out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for _p, cc, cur, _t, amount in spec:
        out[(cur, cc)] += amount
    return out


@settings(max_examples=200, deadline=None)
@given(closed=rows_strategy, restatements=st.lists(rows_strategy, min_size=1, max_size=4))
def test_closed_plus_every_adjustment_is_the_restated_figure(
    closed: list[tuple[str, str, str, str, Decimal]],
    restatements: list[list[tuple[str, str, str, str, Decimal]]],
) -> None:
    baseline = as_rows(closed)
    adjusted: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for spec in restatements:
        restated = as_rows(spec)
        got = compare(baseline, restated)
        for c in got.centers:
            adjusted[(c.currency, c.cost_center)] += c.adjustment
        # the line changes explain every cost center's adjustment exactly
        by_lines: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for change in got.changes:
            by_lines[(change.currency, change.cost_center)] += change.delta
        assert {k: v for k, v in by_lines.items() if v} == {
            (c.currency, c.cost_center): c.adjustment for c in got.centers if c.adjustment
        }
        baseline = restated  # the next adjustment is against closed + this one
    closed_sums, restated_sums = sums(closed), sums(restatements[-1])
    for key in set(closed_sums) | set(restated_sums) | set(adjusted):
        assert closed_sums.get(key, Decimal(0)) + adjusted.get(key, Decimal(0)) == (
            restated_sums.get(key, Decimal(0))
        ), key
