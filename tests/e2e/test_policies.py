"""Shared and unattributed cost policies: keep, proportional, even, fixed; to the cent."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from chargeback.allocate.policies import policy_kind, split_exact
from chargeback.allocate.statements import StatementLine
from chargeback.settings.rules import AllocationRules, Method, Policy
from chargeback.taxonomy import PolicyKind
from tests.support.builders import PROJECT, cur2_row, tagged
from tests.support.runs import by, lines, run_rows, summary

D = Decimal

#: Attributed usage 30.00 (CC-A) and 10.00 (CC-B): proportional weights 75% / 25%.
BASE = [tagged("proj_a", "CC-A", 30.00), tagged("proj_b", "CC-B", 10.00)]


def tax(cost: float) -> dict[str, Any]:
    return cur2_row(cost=cost, line_item_line_item_type="Tax")


def rules(**policies: Policy) -> AllocationRules:
    return AllocationRules(policies={PolicyKind(k): p for k, p in policies.items()})


def test_keep_is_the_default(tmp_path: Path) -> None:
    result = run_rows(tmp_path, [*BASE, tax(4.00)])
    assert summary(result) == {"CC-A": D("30.00"), "CC-B": D("10.00"), "UNATTRIBUTED": D("4.00")}
    assert result.allocation.splits == ()


def test_proportional_tax_shows_own_lines_and_creates_nothing(tmp_path: Path) -> None:
    result = run_rows(tmp_path, [*BASE, tax(4.00)], rules(tax=Policy(Method.PROPORTIONAL)))
    assert summary(result) == {"CC-A": D("33.00"), "CC-B": D("11.00"), "UNATTRIBUTED": D("0.00")}
    rows = lines(result)
    shares = {
        r["cost_center"]: (r["amount"], r["attribution_value"], r["line_items"])
        for r in rows
        if r["description"] == "allocated share of tax"
    }
    assert shares == {"CC-A": ("3.00", "75%", "0"), "CC-B": ("1.00", "25%", "0")}
    # The tax line stays listed once, with its line item, and an offset moves it out.
    unattributed = by(
        [r for r in rows if r["cost_center"] == "UNATTRIBUTED"], "unattributed_reason"
    )
    assert unattributed == {("no_resource",): D("4.00"), ("allocated_by_policy",): D("-4.00")}
    assert sum(int(r["line_items"]) for r in rows) == 3


def test_even_split_of_default_project_usage_rounds_without_losing_a_cent(
    tmp_path: Path,
) -> None:
    base = [*BASE, tagged("proj_c", "CC-C", 1.00)]
    rows = [*base, tagged("default", None, 10.00)]
    result = run_rows(tmp_path, rows, rules(default_project=Policy(Method.EVEN)))
    got = summary(result)
    # 10.00 / 3 = 3.333...: one cost center gets the extra cent, none is lost.
    extras = sorted(
        got[cc] - base_amount
        for cc, base_amount in (("CC-A", D("30")), ("CC-B", D("10")), ("CC-C", D("1")))
    )
    assert extras == [D("3.33"), D("3.33"), D("3.34")]
    assert got["UNATTRIBUTED"] == D("0.00")
    assert sum(got.values()) == D("51.00")
    described = {r["description"] for r in lines(result) if r["cost_center"] == "CC-A"}
    assert "allocated share of default-project usage" in described


def test_fixed_percentages_for_provisioned_throughput(tmp_path: Path) -> None:
    pt = cur2_row(
        cost=100.00,
        line_item_usage_type="USE1-ProvisionedThroughput-ModelUnits",
        line_item_resource_id=PROJECT + "proj_pt",
    )
    fixed = Policy(Method.FIXED, (("CC-A", D("60")), ("CC-Z", D("40"))))
    result = run_rows(tmp_path, [*BASE, pt], rules(provisioned=fixed))
    assert summary(result) == {
        "CC-A": D("90.00"),
        "CC-B": D("10.00"),
        "CC-Z": D("40.00"),
        "UNATTRIBUTED": D("0.00"),
    }


def test_proportional_credit_is_negative_on_each_statement(tmp_path: Path) -> None:
    credit = cur2_row(cost=-8.00, line_item_line_item_type="Credit")
    result = run_rows(tmp_path, [*BASE, credit], rules(credit=Policy(Method.PROPORTIONAL)))
    assert summary(result) == {"CC-A": D("24.00"), "CC-B": D("8.00"), "UNATTRIBUTED": D("0.00")}


def test_policies_per_kind_are_independent(tmp_path: Path) -> None:
    rows = [*BASE, tax(4.00), tagged("default", None, 2.00), tagged("proj_x", None, 1.00)]
    result = run_rows(
        tmp_path,
        rows,
        rules(tax=Policy(Method.PROPORTIONAL), untagged=Policy(Method.EVEN)),
    )
    # tax 4.00 -> 3.00 / 1.00; untagged 1.00 -> 0.50 / 0.50; default project kept.
    assert summary(result) == {"CC-A": D("33.50"), "CC-B": D("11.50"), "UNATTRIBUTED": D("2.00")}


def test_no_attributed_usage_means_the_pool_is_kept_and_said(tmp_path: Path) -> None:
    result = run_rows(tmp_path, [tax(5.00)], rules(tax=Policy(Method.PROPORTIONAL)))
    assert summary(result) == {"UNATTRIBUTED": D("5.00")}
    [split] = result.allocation.splits
    assert split.shares == () and "no cost center" in split.note


def test_split_exact_keeps_the_pool_to_the_last_digit() -> None:
    pool = D("0.100000000001")
    parts = split_exact(pool, [D(1), D(1), D(1)])
    assert sum(parts) == pool
    assert sorted(parts) == [D("0.033333333333"), D("0.033333333334"), D("0.033333333334")]


@pytest.mark.parametrize(
    ("line_item_type", "usage_type", "reason", "kind"),
    [
        ("Tax", "", "no_resource", PolicyKind.TAX),
        ("Credit", "", "no_resource", PolicyKind.CREDIT),
        ("Refund", "", "no_resource", PolicyKind.REFUND),
        ("Fee", "", "no_resource", PolicyKind.FEE),
        ("Usage", "USE1-ReservedTier-Claude", "untagged", PolicyKind.PROVISIONED),
        ("EdpDiscount", "", "no_resource", PolicyKind.DISCOUNT),
        ("Usage", "USE1-NovaPro-input-tokens", "default_project", PolicyKind.DEFAULT_PROJECT),
        ("Usage", "USE1-NovaPro-input-tokens", "untagged", PolicyKind.UNTAGGED),
        (
            "Usage",
            "USE1-NovaPro-input-tokens",
            "invalid_cost_center",
            PolicyKind.INVALID_COST_CENTER,
        ),
    ],
)
def test_policy_kind_of_a_line(
    line_item_type: str, usage_type: str, reason: str, kind: PolicyKind
) -> None:
    line = replace(
        StatementLine.blank("UNATTRIBUTED", "USD", line_item_type),
        unattributed_reason=reason,
        usage_type=usage_type,
        exact_amount=D(1),
        line_items=1,
    )
    assert policy_kind(line) is kind
