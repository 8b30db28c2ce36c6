from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from chargeback.allocate.money import CENT, largest_remainder, round_money, shares_pct

D = Decimal


def test_round_money_is_half_away_from_zero() -> None:
    assert round_money(D("0.005")) == D("0.01")
    assert round_money(D("-0.005")) == D("-0.01")
    assert round_money(D("2.344999")) == D("2.34")


def test_largest_remainder_gives_the_cent_to_the_largest_remainder() -> None:
    # 10.005 + 0.005 + 3.333 = 13.343 -> 13.34; floors 10.00 + 0.00 + 3.33 = 13.33
    assert largest_remainder([D("10.005"), D("0.005"), D("3.333")]) == [
        D("10.01"),
        D("0.00"),
        D("3.33"),
    ]


def test_largest_remainder_three_thirds() -> None:
    third = D(1) / 3
    assert largest_remainder([third, third, third]) == [D("0.34"), D("0.33"), D("0.33")]


def test_largest_remainder_with_credits_and_explicit_target() -> None:
    parts = [D("5.555"), D("-1.111"), D("0.004")]
    rounded = largest_remainder(parts, D("4.45"))
    assert sum(rounded) == D("4.45")
    assert rounded == [D("5.56"), D("-1.11"), D("0.00")]


def test_shares_add_up_to_one_hundred() -> None:
    shares = shares_pct([D("1"), D("1"), D("1")])
    assert shares == [D("33.34"), D("33.33"), D("33.33")]
    assert shares_pct([D("0"), D("0")]) == [D("0.00"), D("0.00")]


amounts = st.decimals(min_value=-10_000, max_value=10_000, places=10, allow_nan=False)


@given(st.lists(amounts, min_size=1, max_size=40))
def test_rounded_parts_sum_to_rounded_total_and_stay_within_a_cent(parts: list[Decimal]) -> None:
    rounded = largest_remainder(parts)
    assert sum(rounded) == round_money(sum(parts, Decimal(0)))
    for exact, r in zip(parts, rounded, strict=True):
        assert abs(exact - r) < CENT
        assert r == r.quantize(CENT)
